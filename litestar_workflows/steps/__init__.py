"""Step kinds: machine steps run code, human steps wait for a person's form, timers wait for a
time, webhooks for an external system; gateways and groups shape the graph."""

from litestar_workflows.steps.base import BaseHumanStep, BaseMachineStep, BaseStep, RetryPolicy
from litestar_workflows.steps.gateway import ExclusiveGateway, ParallelGateway
from litestar_workflows.steps.groups import ConditionalGroup, ParallelGroup, SequentialGroup, StepGroup
from litestar_workflows.steps.timer import TimerStep
from litestar_workflows.steps.webhook import WebhookStep

__all__ = [
    "BaseHumanStep",
    "BaseMachineStep",
    "BaseStep",
    "ConditionalGroup",
    "ExclusiveGateway",
    "ParallelGateway",
    "ParallelGroup",
    "RetryPolicy",
    "SequentialGroup",
    "StepGroup",
    "TimerStep",
    "WebhookStep",
]
