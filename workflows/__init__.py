"""Temporal workflow code: one generic workflow that interprets a definition's graph."""
