"""The UI's pages, one controller per area: sign-in, tasks, instances, definitions."""
