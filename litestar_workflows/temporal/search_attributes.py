"""Search attributes and memo keys: what an instance publishes about itself for listings.

Kept apart from the wire names because these are read by Temporal's visibility store (and the
inbox, :mod:`~litestar_workflows.temporal.visibility`) rather than routed to the workflow, and
because they carry the privacy caveat below. Re-exported by
:mod:`litestar_workflows.temporal.contracts`.

Search attributes (custom, registered by ``worker.py`` and the dev-server fixtures):

========================  ============  ==============================================
Name                      Type          Value
========================  ============  ==============================================
``DefinitionName``        Keyword       definition name, e.g. ``expense_approval``
``DefinitionVersion``     Keyword       definition version the instance runs
``InstanceStatus``        Keyword       :class:`~litestar_workflows.core.types.WorkflowStatus`
``BusinessKey``           Keyword       caller-supplied business key
``PendingSteps``          KeywordList   waiting human steps
``WaitingOn``             KeywordList   who may complete them: ``user:<id>``,
                                        ``group:<name>``, ``anyone``
``WaitingSince``          Datetime      when the oldest waiting step began waiting
``Participants``          KeywordList   who may read the instance: the starter, every
                                        offer of a task, the completers, the
                                        definition's ``visible_to_groups``
                                        (:func:`~litestar_workflows.rules.access.participant_entries`)
========================  ============  ==============================================

User and group names in ``WaitingOn`` and ``Participants`` are percent-encoded outside
``[A-Za-z0-9_.@+-]`` (:func:`~litestar_workflows.rules.access.encode_identity`).

Search attributes are never encrypted, even with payload encryption on: Temporal indexes them
in plain text (so do the workflow id, step and group names). Business keys and user ids must
therefore carry no secret or personal data you would not store unencrypted (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from temporalio.common import SearchAttributeKey

from litestar_workflows.rules.access import offered_entries

__all__ = [
    "MEMO_INITIAL_DATA_DIGEST",
    "MEMO_STARTED_BY",
    "MEMO_STEP_COMPLETERS",
    "SA_BUSINESS_KEY",
    "SA_DEFINITION_NAME",
    "SA_DEFINITION_VERSION",
    "SA_INSTANCE_STATUS",
    "SA_PARTICIPANTS",
    "SA_PENDING_STEPS",
    "SA_WAITING_ON",
    "SA_WAITING_SINCE",
    "SEARCH_ATTRIBUTES",
    "candidate_entries",
    "data_digest",
]

SA_DEFINITION_NAME: Final = SearchAttributeKey.for_keyword("DefinitionName")
SA_DEFINITION_VERSION: Final = SearchAttributeKey.for_keyword("DefinitionVersion")
SA_INSTANCE_STATUS: Final = SearchAttributeKey.for_keyword("InstanceStatus")
SA_BUSINESS_KEY: Final = SearchAttributeKey.for_keyword("BusinessKey")
SA_PENDING_STEPS: Final = SearchAttributeKey.for_keyword_list("PendingSteps")
SA_WAITING_ON: Final = SearchAttributeKey.for_keyword_list("WaitingOn")
SA_WAITING_SINCE: Final = SearchAttributeKey.for_datetime("WaitingSince")
SA_PARTICIPANTS: Final = SearchAttributeKey.for_keyword_list("Participants")

SEARCH_ATTRIBUTES: Final = (
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_BUSINESS_KEY,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
    SA_PARTICIPANTS,
)
"""Every custom search attribute the workflow writes (three KeywordLists: all SQL visibility allows)."""

MEMO_INITIAL_DATA_DIGEST: Final = "initial_data_sha256"
"""Memo key: digest of the initial data (detects a business key reused with other data)."""

MEMO_STARTED_BY: Final = "started_by"
"""Memo key (set at start): who started the instance, for the inbox's four-eyes hints
(:mod:`~litestar_workflows.rules.listing_facts`); absent on instances started before it."""

MEMO_STEP_COMPLETERS: Final = "step_completers"
"""Memo key: the deciders of each step some step's ``exclude_completers_of`` names
(:func:`~litestar_workflows.rules.listing_facts.completers_record`), set at start and kept
up to date by the interpreter."""


def data_digest(data: Mapping[str, Any]) -> str:
    """Stable digest of JSON-compatible ``data`` (key order does not matter)."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def candidate_entries(assignee: str | None, groups: tuple[str, ...] | list[str]) -> list[str]:
    """``WaitingOn`` entries of one task (the assignment rule: :func:`access.offered_entries`)."""
    return offered_entries(assignee, groups)
