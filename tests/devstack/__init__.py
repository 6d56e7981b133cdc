"""Tests of the devstack."""
