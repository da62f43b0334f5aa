"""The API layer: each action is one exchange over a transport, checked against the contract."""

from __future__ import annotations

from typing import Any

from odmd_bdd.actors.base import SESSION, Action, Observation, World
from odmd_bdd.checks import contract
from odmd_bdd.checks.problems import lines
from odmd_bdd.contracts import Operation
from odmd_bdd.errors import ContractViolation, OdmdError
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.transports import Transport, call_headers
from odmd_bdd.transports.base import call_auth


class ApiActor:
    layer = "api"

    def __init__(self, enver: Enver, transport: Transport, world: World, recorder: Recorder):
        self.enver = enver
        self.transport = transport
        self.world = world
        self.recorder = recorder

    def __repr__(self) -> str:
        return f"<ApiActor enver={self.enver.name} transport={self.transport.name}>"

    def _auth(self, action: Action, op: Operation, credentials: dict[str, str]) -> tuple[dict[str, str], list]:
        """The headers (run, credentials) and credential query pairs of one call: `action.auth`
        SESSION presents the service's mock credentials per scheme and the session token for
        the others; an explicit token is presented for every scheme (a wrong credential)."""
        run = call_headers(self.world.run_id)
        if action.auth is None:
            return run, []
        if action.auth != SESSION:
            headers, query = call_auth(op, credentials, action.auth, instead=True)
            return {**run, **headers}, query
        token = self.world.session_token
        headers, query = call_auth(op, credentials, token)
        if op.secured and not headers and not query:
            raise OdmdError(
                f"{action.label} needs a session, but no step of this scenario has logged in "
                f"(start it with a step that logs the user in)"
                + (
                    f", and the constellation names no mock credential for "
                    f"{', '.join(s.describe() for s in op.schemes)} (services.{action.service}.credentials)"
                    if any(not s.bearer for s in op.schemes)
                    else ""
                )
            )
        return {**run, **headers}, query

    def perform(self, action: Action) -> Observation:
        service = self.enver.service(action.service)
        op = service.contract.operation(action.operation)
        headers, auth_query = self._auth(action, op, service.credentials)
        query: Any = [*action.query.items(), *auth_query] if auth_query else action.query
        exchange = self.transport.send(
            service.base_url,
            op,
            body=action.body,
            path_params=action.path,
            query=query,
            headers={**action.header_fields(op), **headers},
        )
        self.recorder.exchange(exchange, self.layer)
        observation = Observation(self.layer, action, exchange.status, exchange.response_body, [exchange])
        self.world.answers.append(observation)
        problems = contract.response(op, exchange.status, exchange.response_body, exchange.content_type)
        if problems:
            raise ContractViolation(f"[{self.layer}] {op.label} ({service.contract.artifact.label})", lines(problems))
        return observation
