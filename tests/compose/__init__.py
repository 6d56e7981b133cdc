"""Tests of the compose."""
