"""The local development stack behind ``make run``: a Temporal dev server, a worker and the gateway,
supervised as one process tree. Tooling, not SDK: nothing in the SDK imports it."""
