"""The check registry: every family of checks is registered by name, and a planted bad value
comes back as a Problem with the right code and place (no string parsing, no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest

import odmd_bdd
from odmd_bdd.actors import Action, Observation
from odmd_bdd.checks import contract, events, expect, gui_capture
from odmd_bdd.checks.problems import REGISTRY, Problem, lines
from odmd_bdd.tools import dataset_check

GOOD_KEY = {
    "key_id": "key_root_0001",
    "entity_id": "550e8400-e29b-41d4-a716-446655440001",
    "algorithm": "Ed25519",
    "public_key": "AAAA",
    "fingerprint": "SHA256:abc=",
    "status": "active",
    "registered_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture(scope="module")
def register_key(reference_constellation):
    return reference_constellation.contracts["key-service"].operation("registerKey")


@pytest.fixture(scope="module")
def key_registered(reference_constellation):
    return reference_constellation.event_contracts["key-service"].message("KeyRegistered")


def test_every_family_is_registered_by_name():
    assert REGISTRY["contract.request"] is contract.request
    assert REGISTRY["contract.response"] is contract.response
    assert REGISTRY["event.payload"] is events.payload
    for name in ("gui_capture.outside", "gui_capture.unanswered", "gui_capture.cors", "gui_capture.answer"):
        assert name in REGISTRY
    assert REGISTRY["expect.body"] is expect.body
    for name in ("expect.field", "expect.status", "expect.case"):
        assert name in REGISTRY
    for name in (
        "feature.step-outside-scenario",
        "feature.placeholder-without-column",
        "feature.unknown-case",
        "feature.literal-constant",
    ):
        assert name in REGISTRY
    for name in ("gui_text.field", "gui_text.status", "gui_text.issue", "gui_text.answer"):
        assert name in REGISTRY
    for name in ("answer.whole", "answer.body"):
        assert name in REGISTRY
    assert REGISTRY["dataset.examples"] is dataset_check.check_examples
    for name in ("dataset.ids", "dataset.features", "dataset.coverage"):
        assert name in REGISTRY
    families = {"contract", "event", "gui_capture", "gui_text", "expect", "feature", "answer", "dataset"}
    assert all(name.split(".")[0] in families for name in REGISTRY)


def test_a_problem_prints_outside_in():
    assert str(Problem("c", "$.a", "bad", "status 201")) == "status 201: $.a: bad"
    assert str(Problem("c", "", "bad")) == "bad"
    assert str(Problem("c", "$.a", "bad").within("op")) == "op: $.a: bad"
    assert str(Problem("c", "$.a", "bad", "status 201").within("op")) == "op: status 201: $.a: bad"


def test_a_request_body_breaking_its_schema_is_a_problem_at_its_path(register_key, reference_constellation):
    good = reference_constellation.dataset.case("UC1.register_root_key").request["body"]
    assert contract.request(register_key, good) == []
    [problem] = contract.request(register_key, {**good, "entity_id": 42})
    assert (problem.code, problem.where) == ("contract.request.schema", "$.entity_id")
    assert problem.message == "42 is not of type 'string'"


def test_a_response_breaking_its_schema_is_a_problem_at_its_path(register_key):
    assert contract.response(register_key, 201, GOOD_KEY) == []
    [problem] = contract.response(register_key, 201, {**GOOD_KEY, "entity_id": 42})
    assert (problem.code, problem.where, problem.context) == ("contract.response.schema", "$.entity_id", "status 201")
    assert str(problem) == "status 201: $.entity_id: 42 is not of type 'string'"


def test_an_undeclared_status_and_a_non_json_answer_are_problems_without_a_path(register_key):
    [status] = contract.response(register_key, 200, GOOD_KEY)
    assert (status.code, status.where) == ("contract.response.status", "")
    assert str(status).startswith("status 200 is not declared (declared: 201")
    [content] = contract.response(register_key, 201, GOOD_KEY, "text/html")
    assert (content.code, content.where) == ("contract.response.content_type", "")
    assert str(content) == "status 201: content type 'text/html' is not application/json"


def test_an_event_payload_breaking_its_message_is_a_problem_at_its_path(key_registered):
    problems = events.payload(key_registered, {"event_type": "KeyRegistered", "key_id": "key_root_0001"})
    assert problems
    assert {p.code for p in problems} == {"event.payload.schema"}
    assert Problem("event.payload.schema", "$", "'entity_id' is a required property") in problems


def test_the_gui_capture_names_the_route_or_the_field(register_key):
    [route] = gui_capture.answer("key-service", "key.json", None, "POST", "/key/registr", 404, None, None)
    assert (route.code, route.where) == ("gui_capture.answer.route", "POST /key/registr")
    assert route.message.endswith("declares this route (it answered 404)")
    [field] = gui_capture.answer(
        "key-service",
        "key.json",
        register_key,
        "POST",
        "/key/register",
        201,
        {**GOOD_KEY, "fingerprint": 5},
        "application/json",
    )
    assert (field.code, field.where) == ("contract.response.schema", "$.fingerprint")
    assert str(field) == "key-service registerKey: status 201: $.fingerprint: 5 is not of type 'string'"
    [outside] = gui_capture.outside("GET", "https://example.com/x", "fetch")
    assert (outside.code, outside.where) == ("gui_capture.outside", "GET https://example.com/x")
    assert gui_capture.outside("GET", "https://example.com/x.png", "image") == []
    [unanswered] = gui_capture.unanswered("GET", "http://127.0.0.1:1/x", "net::ERR_CONNECTION_REFUSED")
    assert str(unanswered) == "GET http://127.0.0.1:1/x: the browser got no answer: net::ERR_CONNECTION_REFUSED"
    [cors] = gui_capture.cors_refused(
        "GET", "http://127.0.0.1:1/x", "Request header field authorization is not allowed"
    )
    assert (cors.code, cors.where) == ("gui_capture.cors", "GET http://127.0.0.1:1/x")


def test_contracts_load_documents_and_never_import_the_checks():
    contracts_dir = Path(odmd_bdd.__file__).parent / "contracts"
    for source in contracts_dir.glob("*.py"):
        assert "odmd_bdd.checks" not in source.read_text(encoding="utf-8"), source.name


def test_a_then_step_comparison_names_the_json_path_that_differs():
    problems = expect.body({"a": {"b": 1}, "c": [1, 2], "d": "x"}, {"a": {"b": "1"}, "c": [1], "e": 0})
    assert [(p.code, p.where) for p in problems] == [
        ("expect.body.value", "$.a.b"),
        ("expect.body.list", "$.c"),
        ("expect.body.missing", "$.d"),
    ]
    assert lines(expect.body({"a": 1}, {"a": 2})) == ["$.a: expected 1, got 2"]


def test_an_answer_differing_from_its_case_names_status_and_body(reference_constellation):
    case = reference_constellation.dataset.case("UC1.register_root_key")
    action = Action(case.service, case.operation, body=case.request.get("body"))
    obs = Observation("api", action, 500, {**case.response["body"], "key_id": "other"}, [])
    problems = expect.case_answer(obs, case)
    assert [(p.code, p.where) for p in problems] == [
        ("expect.case.status", "status"),
        ("expect.body.value", "$.key_id"),
    ]
    [status] = expect.status(obs, range(200, 300), "a 2xx success")
    assert (status.code, status.context) == ("expect.status", obs.label)
    assert expect.status(obs, (500,), "a 500") == []


def test_an_answer_without_a_content_type_breaks_a_contract_that_declares_content(register_key):
    [missing] = contract.response(register_key, 201, GOOD_KEY, None)
    assert missing.code == "contract.response.content_type"
    assert str(missing) == "status 201: no Content-Type header, where the contract declares application/json content"
    assert contract.response(register_key, 201, GOOD_KEY, "application/json; charset=utf-8") == []
    assert contract.response(register_key, 201, GOOD_KEY) == []  # a dataset example has no header to check
