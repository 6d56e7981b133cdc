"""The Temporal worker process (see the Temporal issue; a placeholder until it lands)."""
