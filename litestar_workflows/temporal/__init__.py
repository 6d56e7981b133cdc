"""The Temporal adapter: wire contracts, the client, the durable engine and namespace setup.

The generic workflow and the step activity live in the top-level ``workflows`` and
``activities`` packages (the worker's modules); this package is what the SDK and the
gateway use to talk to them.
"""

from litestar_workflows.temporal.engine import TemporalExecutionEngine

__all__ = ["TemporalExecutionEngine"]
