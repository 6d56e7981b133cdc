"""Tests of the Temporal integration (real dev server)."""
