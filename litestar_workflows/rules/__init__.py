"""The pure rules both engines share: what an instance may do next and who may do it.

Nothing here performs I/O (no temporalio, litestar, asyncio, httpx; a test enforces it),
reads a clock (time comes in as ``now``) or runs user code (callable conditions come in
as a callback). That is what lets the Temporal workflow call these functions inside its
deterministic sandbox and the in-process engine call the very same ones.

- :mod:`~litestar_workflows.rules.spec` — the frozen graph snapshot an instance carries.
- :mod:`~litestar_workflows.rules.state` — the serialisable state of one instance.
- :mod:`~litestar_workflows.rules.machine` — the transitions, with the token semantics.
- :mod:`~litestar_workflows.rules.conditions` — safe string conditions on edges.
- :mod:`~litestar_workflows.rules.forms` — JSON Schema validation of human-task forms.

Token semantics (BPMN-style inclusive join), stated in full in :mod:`.machine`:
finishing a step puts a token on every outgoing edge whose condition holds; a step
fires once no other live token can still reach it; a terminal step ends its branch and
the instance completes when no token is left.
"""

__all__: list[str] = []
