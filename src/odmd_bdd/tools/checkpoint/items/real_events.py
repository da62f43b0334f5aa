"""1A `real-events`: the events of real state changes, looked for on the channels' SQS queues
(the probe's own run queue, then the channel's shared one) through a peeking `EventInbox`."""

from __future__ import annotations

from dataclasses import dataclass, field

from odmd_bdd.checks import events
from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items.real_answers import real_logic_expected
from odmd_bdd.tools.checkpoint.items.valid_request import ValidProbe, valid_probes

ID, TITLE = "real-events", "events arrive on real state changes"


@dataclass
class RealEvent:
    message: str  # the event's name
    probe: ValidProbe
    queue: str | None = None  # where it arrived
    problems: list[Problem] = field(default_factory=list)  # where = the event and where it was looked for


@dataclass
class RealEvents:
    service: str
    applicable: bool  # some state-changing case of the service publishes an event
    events: list[RealEvent] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the whole (no event bus)


def check(ctx: ProbeContext, service: str) -> RealEvents:
    probes = [p for p in valid_probes(ctx, service) if p.case.events and real_logic_expected(ctx, p)]
    found = RealEvents(service, bool(probes))
    if not probes:
        return found
    if ctx.sqs is None:
        found.problems.append(
            Problem(f"{ID}.no-bus", "", "the enver has no event bus the checkpoint can read (no AWS)")
        )
        return found
    for probe in probes:
        for event in probe.case.events:
            name = event["message"]
            seen = RealEvent(name, probe)
            found.events.append(seen)
            if not probe.answered_2xx:
                seen.problems.append(
                    Problem(f"{ID}.request", f"{name} after {probe.request}", "the request itself failed")
                )
                continue
            message = ctx.messages.get(name)
            got, _ = ctx.inbox(probe.run, probe.sent_at).wait_for(name, lambda _payload: True, ctx.event_timeout)
            if got is None:
                seen.problems.append(
                    Problem(
                        f"{ID}.missing",
                        f"{name} after {probe.case.ref}",
                        f"nothing arrived on {message.queue} within {ctx.event_timeout:g}s",
                    )
                )
                continue
            seen.queue = got.queue
            problems = [str(p) for p in events.payload(message, got.payload)]
            if problems:
                seen.problems.append(
                    Problem(
                        f"{ID}.payload",
                        f"{name} on {got.queue}",
                        f"breaks its AsyncAPI message: {'; '.join(problems[:3])}",
                    )
                )
            elif got.payload == event["payload"]:
                seen.problems.append(
                    Problem(
                        f"{ID}.mocked",
                        f"{name} on {got.queue} after {probe.case.ref}",
                        "exactly the mock dataset's payload",
                    )
                )
    return found
