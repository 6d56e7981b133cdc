"""Example workflow definitions."""
