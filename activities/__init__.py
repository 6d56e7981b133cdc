"""Temporal activities: machine steps (and the other Python code of a definition) run here."""

from activities.steps import StepActivities

__all__ = ["StepActivities"]
