"""The API layer: each action is one exchange over a transport, checked against the contract."""

from __future__ import annotations

from odmd_bdd.actors.base import SESSION, Action, Observation, World
from odmd_bdd.checks import contract
from odmd_bdd.checks.problems import lines
from odmd_bdd.errors import ContractViolation, OdmdError
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.transports import Transport, call_headers


class ApiActor:
    layer = "api"

    def __init__(self, enver: Enver, transport: Transport, world: World, recorder: Recorder):
        self.enver = enver
        self.transport = transport
        self.world = world
        self.recorder = recorder

    def __repr__(self) -> str:
        return f"<ApiActor enver={self.enver.name} transport={self.transport.name}>"

    def _headers(self, action: Action) -> dict[str, str]:
        if action.auth is None:
            return call_headers(self.world.run_id)
        token: str | None = action.auth
        if action.auth == SESSION:
            token = self.world.session_token
            if token is None:
                raise OdmdError(
                    f"{action.label} needs a session, but no step of this scenario has logged in "
                    f"(start it with a step that logs the user in)"
                )
        return call_headers(self.world.run_id, token)

    def perform(self, action: Action) -> Observation:
        service = self.enver.service(action.service)
        op = service.contract.operation(action.operation)
        exchange = self.transport.send(
            service.base_url,
            op,
            body=action.body,
            path_params=action.path,
            query=action.query,
            headers=self._headers(action),
        )
        self.recorder.exchange(exchange, self.layer)
        observation = Observation(self.layer, action, exchange.status, exchange.response_body, [exchange])
        self.world.answers.append(observation)
        problems = contract.response(op, exchange.status, exchange.response_body, exchange.content_type)
        if problems:
            raise ContractViolation(f"[{self.layer}] {op.label} ({service.contract.artifact.label})", lines(problems))
        return observation
