"""The sfn transport as the API layer sees it: same observations as http, failures named."""

import socket

import pytest

from odmd_bdd.actors import Action, ApiActor, World
from odmd_bdd.aws import ExecutionFailed
from odmd_bdd.redaction import Redactor
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.resolution.envers import resolve_enver
from odmd_bdd.transports import HttpTransport, SfnTransport


@pytest.fixture(scope="module")
def enver(reference_constellation):
    resolved = resolve_enver(reference_constellation, "local", transport="sfn")
    yield resolved
    resolved.close()


def test_sfn_and_http_give_the_same_observation(enver, reference_constellation):
    ds = reference_constellation.dataset
    sfn = SfnTransport(enver.aws_client("stepfunctions"), enver.state_machine_arn)
    http = HttpTransport()
    answers = {}
    for transport in (sfn, http):
        world = World()
        actor = ApiActor(enver, transport, world, Recorder(Redactor()))
        login = actor.perform(Action.from_case(ds.case("UC1.login"), auth=None))
        world.session_token = login.body["session_token"]
        created = actor.perform(Action.from_case(ds.case("UC1.register_root_key")))
        refused = actor.perform(Action.from_case(ds.case("UC1.register_root_key"), auth=None))
        answers[transport.name] = [(o.status, o.body) for o in (login, created, refused)]
        assert created.exchanges[0].transport == transport.name
    assert answers["sfn"] == answers["http"]
    assert [status for status, _ in answers["sfn"]] == [200, 201, 401]


def test_an_execution_without_an_answer_fails_the_step_with_error_and_cause(enver, reference_constellation):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    sfn = SfnTransport(enver.aws_client("stepfunctions"), enver.state_machine_arn, deadline_s=20)
    op = enver.service("identity-service").contract.operation("login")
    with pytest.raises(ExecutionFailed) as err:
        sfn.send(closed, op, body={"temp_token": "x"})
    assert err.value.status == "FAILED" and err.value.error == "States.Http.Socket"
    assert f"{closed}/auth/login" in str(err.value)
