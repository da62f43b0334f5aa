"""The Step Functions transport: each exchange is one execution of the platform's BDD state
machine, whose http:invoke task makes the HTTP call. Returns the same `Exchange` as `http`,
so every feature runs unchanged on either transport."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from odmd_bdd.aws.answers import http_answer
from odmd_bdd.aws.connections import AuthConnections, split_authorization
from odmd_bdd.aws.sfn_transport import exchange_request, flat_headers, run_exchange
from odmd_bdd.contracts import Operation
from odmd_bdd.transports.base import Exchange, prepare, query_pairs


class SfnTransport:
    name = "sfn"

    def __init__(
        self,
        sfn_client: Any,
        state_machine_arn: str,
        deadline_s: float = 30.0,
        connections: AuthConnections | None = None,
    ):
        self.sfn = sfn_client
        self.state_machine_arn = state_machine_arn
        self.deadline_s = deadline_s
        self._connections = connections  # made on the first request with an Authorization header

    def send(
        self,
        base_url: str,
        op: Operation,
        *,
        body: Any = None,
        path_params: dict[str, str] | None = None,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        url, req_headers, has_body = prepare(base_url, op, body, path_params, headers)
        # An HTTP Task may not send Authorization itself: it travels in an EventBridge connection.
        task_headers, authorization = split_authorization(req_headers)
        arn = None if authorization is None else self.connections.arn_for(authorization)
        request = exchange_request(
            url,
            op.method,
            headers=task_headers,
            query=_query_object(query_pairs(op, query)) if query else None,
            body=body,
            has_body=has_body,
            connection_arn=arn,
        )
        started = time.perf_counter()
        # FAILED / TIMED_OUT / ABORTED raise ExecutionFailed (an AssertionError) with error and cause.
        output = http_answer(run_exchange(self.sfn, self.state_machine_arn, request, self.deadline_s))
        elapsed = (time.perf_counter() - started) * 1000
        response_headers = flat_headers(output.get("Headers"))
        return Exchange(
            service=op.service,
            operation_id=op.operation_id,
            method=op.method,
            url=url,
            request_headers=req_headers,
            request_body=body,
            status=int(output.get("StatusCode", 0)),
            response_headers=response_headers,
            response_body=output.get("ResponseBody"),
            content_type=response_headers.get("content-type"),
            elapsed_ms=elapsed,
            transport=self.name,
        )

    @property
    def connections(self) -> AuthConnections:
        if self._connections is None:
            self._connections = AuthConnections.beside(self.sfn)
        return self._connections

    def close(self) -> None:
        """Delete the Authorization connections this transport made (on AWS each holds a secret);
        the boto3 client itself belongs to the enver."""
        if self._connections is not None:
            self._connections.delete_all()


def _query_object(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """The task's QueryParameters object: a key given more than once (an exploded array) keeps all
    its values as a list. (AWS documents QueryParameters as an object and is silent on lists; the
    embedded HTTP Task repeats the key for each, see aws/http_invoke.py R4.)"""
    grouped: dict[str, str | list[str]] = {}
    for name, value in pairs:
        seen = grouped.get(name)
        grouped[name] = value if seen is None else [*([seen] if isinstance(seen, str) else seen), value]
    return grouped
