"""Temporal activities: machine steps run here."""
