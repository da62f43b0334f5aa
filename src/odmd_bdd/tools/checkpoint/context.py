"""What every check of one checkpoint run shares: the enver, its AWS, one transport, the run ids.

The checkpoint reaches services as the features do: through `transports.make_transport`
(direct HTTP, or the BDD state machine on an `sfn` enver), with the headers of
`transports.call_headers`, and reads events through an `EventInbox` that peeks.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import Operation
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case
from odmd_bdd.events.sqs import EventInbox, MessageIndex, queue_name
from odmd_bdd.redaction import Redactor
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.transports import Exchange, call_headers, make_transport

RUN_PREFIX = "odmd-checkpoint-"


@dataclass
class ValidProbe:
    """One dataset case sent as a valid request, and what came back (sent by items.valid_request;
    kept here, where ProbeContext.valid holds them for every check of the run)."""

    case: Case
    request: str  # the evidence text of the request
    exchange: Exchange | None
    error: str | None = None  # no answer at all
    problems: list[Problem] = field(default_factory=list)  # contract problems of the answer
    differences: list[Problem] = field(default_factory=list)  # from the dataset's answer
    run: str = ""
    sent_at: float = 0.0

    @property
    def answered_2xx(self) -> bool:
        return self.exchange is not None and 200 <= self.exchange.status < 300


class ProbeContext:
    """What every probe of one checkpoint run shares: the enver, its AWS, one transport."""

    def __init__(
        self,
        constellation: Constellation,
        enver: Enver,
        *,
        token: str | None = None,
        event_timeout: float = 5.0,
        http_timeout: float = 10.0,
        sfn_deadline: float = 30.0,
    ):
        self.constellation = constellation
        self.enver = enver
        self.dataset = constellation.dataset
        self.redactor = Redactor(self.dataset.constants.secret_values())
        self.transport = make_transport(enver, http_timeout=http_timeout, sfn_deadline=sfn_deadline)
        valid = [
            str(self.dataset.constants[n]) for n in constellation.valid_bearer_constants if n in self.dataset.constants
        ]
        self.token = token or (valid[0] if valid else None)
        self.event_timeout = event_timeout
        self.run_prefix = RUN_PREFIX + uuid.uuid4().hex[:8]
        self._runs = 0
        client = enver.aws_client
        self.ssm = client("ssm") if client is not None else None
        self.s3 = client("s3") if client is not None else None
        self.sqs = enver.sqs()
        self.messages = MessageIndex(enver.event_contracts)
        self.valid: dict[str, list[ValidProbe]] = {}  # service -> its valid probes, sent once (items.valid_request)

    def new_run(self) -> str:
        """A run id of its own per probe (X-Odmd-Run), so a mock enver's per-run state starts empty."""
        self._runs += 1
        return f"{self.run_prefix}-{self._runs}"

    def headers(self, op: Operation, case: Case | None, run: str) -> dict[str, str]:
        """The run, and the session token where the operation is secured and the case logs in."""
        auth = case.auth if case is not None else "session"
        return call_headers(run, self.token if op.secured and auth == "session" and self.token else None)

    def send_case(self, case: Case, run: str) -> Exchange:
        endpoint = self.enver.services[case.service]
        op = endpoint.contract.operation(case.operation)
        return self.transport.send(
            endpoint.base_url,
            op,
            body=case.request.get("body"),
            path_params=case.request.get("path"),
            query=case.request.get("query"),
            headers=self.headers(op, case, run),
        )

    def valid_case(self, service: str, op_id: str) -> Case | None:
        """The dataset's case for a valid request of the operation: a served use-case step with a
        2xx answer, preferring one that needs no earlier step."""
        cases = [
            c
            for c in self.dataset.cases_for(service, op_id)
            if c.kind == "step" and c.served and 200 <= c.status < 300 and c.auth == "session"
        ]
        cases.sort(key=lambda c: (len(c.after), c.fallback))
        return cases[0] if cases else None

    def inbox(self, run: str, since: float) -> EventInbox:
        """The events of one probe's run: its own queues and the channels' shared ones, peeked
        (a deployed enver's queues are not the checkpoint's to empty)."""
        assert self.sqs is not None
        return EventInbox(self.sqs, self.messages, run, peek=True, since=since, shared=True)

    def json(self, value: Any) -> str:
        """`value` as compact JSON with every credential masked (evidence text)."""
        return json.dumps(self.redactor.json(value), ensure_ascii=False, separators=(",", ":"))

    def close(self) -> None:
        """Delete the per-run event queues the probes caused (an embedded enver creates them)."""
        self.transport.close()
        if self.sqs is None:
            return
        for base in sorted({m.queue for m in self.messages.by_name.values()}):
            try:
                urls = self.sqs.list_queues(QueueNamePrefix=queue_name(base, self.run_prefix)).get("QueueUrls", [])
                for url in urls:
                    self.sqs.delete_queue(QueueUrl=url)
            except Exception:  # cleanup only: a queue already gone or a refused list is fine
                pass


def route(op: Operation, case_path: dict[str, Any] | None, query: dict[str, Any] | None) -> str:
    """`POST /key/{id}` with the case's path parameters and query filled in (evidence text)."""
    path = op.path
    for name, value in (case_path or {}).items():
        path = path.replace("{" + name + "}", str(value))
    if query:
        path += "?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
    return f"{op.method} {path}"
