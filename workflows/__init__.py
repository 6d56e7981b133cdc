"""Temporal workflow code: one generic workflow that interprets a definition's graph."""

from workflows.interpreter import InterpreterWorkflow

__all__ = ["InterpreterWorkflow"]
