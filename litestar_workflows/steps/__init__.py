"""Step kinds: machine steps run code, human steps wait for a person's form."""

from litestar_workflows.steps.base import BaseHumanStep, BaseMachineStep, BaseStep, RetryPolicy

__all__ = ["BaseHumanStep", "BaseMachineStep", "BaseStep", "RetryPolicy"]
