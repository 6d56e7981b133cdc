"""The published path of ``WorkflowInstanceData``: what engines return (see core/models.py)."""

from litestar_workflows.core.models import WorkflowInstance, WorkflowInstanceData

__all__ = ["WorkflowInstance", "WorkflowInstanceData"]
