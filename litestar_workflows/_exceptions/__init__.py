"""The error hierarchy's parts, one module per area; import them from
:mod:`litestar_workflows.exceptions`, which names every one (and is the published path)."""
