"""Events exactly: after a scenario, its run's queues hold exactly the events of its answers.

On an enver whose answers the harness computes (answers: full, every service from its
/odmd-share), each answer from a dataset case declares that case's events (`World.case_answers`).
When the scenario's steps have passed, every queue of its run (`<queue>--<run id>`: the run id is
the scenario run's own, so parallel and successive scenarios never read each other's) is swept, and
what arrived there, together with what the event steps already took, must be exactly those events:
each once, on its channel's queue, nothing else (checks.events `event.run`). A declared event not
there yet is waited for, polling up to --event-timeout; nothing else waits.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import pytest

from odmd_bdd.checks import events as event_checks
from odmd_bdd.checks.problems import Problem, lines
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.events.sqs import EventInbox, queue_name


def check_run_events(request: pytest.FixtureRequest) -> None:
    """Fail the scenario, naming each queue and payload, when its run's events are not exactly
    those of its answered cases. Called after the last step (pytest_bdd_after_scenario)."""
    if sys.exc_info()[1] is not None:
        return  # called from pytest-bdd's `finally` while a step's failure or skip propagates: that is the outcome
    world = request.getfixturevalue("world")
    if world.case_answers is None:
        return  # no actor compared answers here (answers: named, or no action at all)
    enver = request.getfixturevalue("enver")
    if enver.sqs() is None or not all(svc.source.startswith("share") for svc in enver.services.values()):
        return  # no bus, or a service the mock does not answer for: what it publishes is not known
    inbox = request.getfixturevalue("events")
    if not isinstance(inbox, EventInbox) or inbox.peek or inbox.shared:
        return
    problems = audit(
        inbox, world.case_answers, request.getfixturevalue("dataset"), request.getfixturevalue("event_timeout")
    )
    if problems:
        refs = ", ".join(dict.fromkeys(case.ref for case in world.case_answers)) or "none"
        raise AssertionError(
            f"the events on this scenario run's queues are not exactly those of its answered cases ({refs}):\n  "
            + "\n  ".join(lines(problems))
        )


def audit(inbox: EventInbox, answered: Sequence[Case], dataset: Dataset, timeout: float) -> list[Problem]:
    """Sweep the run's queues and compare; while the only problems are declared events not there
    yet, keep polling their queues until `timeout` has passed."""
    expected = event_checks.expected_events(answered, lambda m: queue_name(inbox.messages.get(m).queue, inbox.run))
    deadline = time.monotonic() + timeout
    while True:
        inbox.sweep()
        problems = event_checks.run(inbox.received, expected, dataset)
        remaining = deadline - time.monotonic()
        if not problems or remaining <= 0 or any(p.code != "event.run.missing" for p in problems):
            return problems
        inbox.poll({x.message for x in expected}, min(remaining, 1.0))
