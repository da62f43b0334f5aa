"""UC1's scenarios on the API, as a team would write them with pytest-bdd, httpx and jsonschema.

Each request goes through the one pooled client; each answer's status must be one its contract
documents and its body must validate against that status's schema; expected values are the
dataset's. The feature file is the project's own (features/uc1_authentication_key_entity.feature).
"""

from __future__ import annotations

import json
import time

from pytest_bdd import given, parsers, scenarios, then, when
from support import ROOT, Answer

scenarios(str(ROOT / "features" / "uc1_authentication_key_entity.feature"))

SESSION = object()  # send the scenario's session token
EVENT_WAIT_S = 10.0


def call(http, enver, contracts, scenario, operation, body, token=SESSION):
    method, path, validators = contracts.operations[operation]
    service = "key-service" if path.startswith("/key/") else "identity-service"
    headers = {"X-Odmd-Run": scenario.run}
    token = scenario.session_token if token is SESSION else token
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = http.request(method, f"{enver['url']}/{service}{path}", json=body, headers=headers)
    answer = Answer(operation, response.status_code, response.json())
    validator = validators.get(str(answer.status))
    assert validator is not None, f"{operation} answered {answer.status}, which its contract does not document"
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(answer.body)
    ]
    assert not errors, f"{operation} {answer.status} breaks its contract: {errors}"
    scenario.last = answer
    return answer


def value(dataset, text):
    return dataset.resolve(text)


def succeeded(answer):
    assert 200 <= answer.status < 300, f"{answer.operation}: {answer.status} {answer.body}"


def log_in(http, enver, contracts, dataset, scenario, temp_token):
    body = {**dataset.case("UC1.login")["request"]["body"], "temp_token": temp_token}
    answer = call(http, enver, contracts, scenario, "login", body, token=None)
    if 200 <= answer.status < 300:
        scenario.session_token = answer.body["session_token"]
    return answer


@given("the user is logged in to identity-service")
def logged_in(http, enver, contracts, dataset, scenario):
    succeeded(log_in(http, enver, contracts, dataset, scenario, dataset.constants["TEMP_TOKEN"]))


@when(parsers.parse("the user logs in to identity-service with the temporary token {token}"))
def log_in_with(http, enver, contracts, dataset, scenario, token):
    log_in(http, enver, contracts, dataset, scenario, value(dataset, token))


@then(parsers.parse("a session is opened for {user} with the session token {token}"))
def session_opened(dataset, scenario, user, token):
    succeeded(scenario.last)
    assert scenario.last.body["user_id"] == value(dataset, user)
    assert scenario.last.body["session_token"] == value(dataset, token)


@then("no session is opened")
def no_session(scenario):
    assert scenario.session_token is None


def register_key(http, enver, contracts, dataset, scenario, token=SESSION, without=None, **fields):
    body = {**dataset.case("UC1.register_root_key")["request"]["body"], **fields}
    body.pop(without, None)
    call(http, enver, contracts, scenario, "registerKey", body, token)


@when(parsers.parse("the user registers the root public key {key} for {entity} with key-service"))
def register_root_key(http, enver, contracts, dataset, scenario, key, entity):
    register_key(
        http, enver, contracts, dataset, scenario, public_key=value(dataset, key), entity_id=value(dataset, entity)
    )


@when(parsers.parse("the user registers the root public key with key-service without the field {field}"))
def register_root_key_without(http, enver, contracts, dataset, scenario, field):
    register_key(http, enver, contracts, dataset, scenario, without=field)


@when("the user registers the root public key with key-service without a session token")
def register_root_key_anonymously(http, enver, contracts, dataset, scenario):
    register_key(http, enver, contracts, dataset, scenario, token=None)


@then(parsers.parse("the key {key_id} is registered for {entity}"))
def key_registered(dataset, scenario, key_id, entity):
    succeeded(scenario.last)
    assert scenario.last.body["key_id"] == value(dataset, key_id)
    assert scenario.last.body["entity_id"] == value(dataset, entity)


def create_root(http, enver, contracts, dataset, scenario, entity, token=SESSION):
    body = {**dataset.case("UC1.create_root_entity")["request"]["body"], "entity_id": value(dataset, entity)}
    call(http, enver, contracts, scenario, "createEntity", body, token)


@when(parsers.parse("the user creates the root entity {entity} with identity-service"))
def create_root_entity(http, enver, contracts, dataset, scenario, entity):
    create_root(http, enver, contracts, dataset, scenario, entity)


@when(parsers.parse("the user creates the root entity {entity} with identity-service using the session token {token}"))
def create_root_entity_with_token(http, enver, contracts, dataset, scenario, entity, token):
    create_root(http, enver, contracts, dataset, scenario, entity, token=value(dataset, token))


@then(parsers.parse("the entity {entity} is created as a root entity owned by {user}"))
def root_entity_created(dataset, scenario, entity, user):
    succeeded(scenario.last)
    assert scenario.last.body["entity_id"] == value(dataset, entity)
    assert scenario.last.body["owner_user_id"] == value(dataset, user)


@when(parsers.parse("the client sends the dataset case {ref}"))
def send_case(http, enver, contracts, dataset, scenario, ref):
    case = dataset.case(ref)
    auth = case.get("auth", "session")
    token = {"session": SESSION, "none": None, "wrong": dataset.constants["WRONG_AUTH_JWT_TOKEN"]}[auth]
    call(http, enver, contracts, scenario, case["operation"], case["request"]["body"], token)


@then(parsers.parse("the answer matches the dataset case {ref}"))
def answer_matches(dataset, scenario, ref):
    expected, answer = dataset.case(ref)["response"], scenario.last
    assert answer.status == expected["status"], f"{ref}: {answer.status} {answer.body}"
    if "body" in expected:
        assert answer.body == expected["body"]
    for issue in expected.get("issues", []):
        assert any(i["path"] == issue["path"] and i["code"] == issue["code"] for i in answer.body["issues"]), issue


@then("the request succeeds")
def request_succeeds(scenario):
    succeeded(scenario.last)


@then(parsers.parse("the request is rejected as malformed, naming the field {field}"))
def rejected_as_malformed(scenario, field):
    assert scenario.last.status == 400, scenario.last
    assert [field] in [issue["path"] for issue in scenario.last.body["issues"]]


@then("the request is refused as unauthorized")
def refused_as_unauthorized(scenario):
    assert scenario.last.status == 401, scenario.last


@then(parsers.parse("a {message} event is published for {key}"))
@then(parsers.parse("an {message} event is published for {key}"))
def event_published(sqs, contracts, dataset, scenario, message, key):
    """The event arrives on this run's queue (long polling, with a deadline), valid and as the dataset says."""
    queue, validator = contracts.events[message]
    declared = [e for c in dataset.use_cases["UC1"]["steps"].values() for e in c.get("events", [])]
    expected = next(dataset.resolve(e["payload"]) for e in declared if e["message"] == message)
    url = sqs.create_queue(QueueName=f"{queue}--{scenario.run}")["QueueUrl"]
    deadline = time.monotonic() + EVENT_WAIT_S
    while time.monotonic() < deadline:
        wait = max(1, min(5, round(deadline - time.monotonic())))
        for received in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", []):
            payload = json.loads(received["Body"])
            if payload.get("event_type") == message:
                assert not list(validator.iter_errors(payload)), payload
                assert payload == expected and value(dataset, key) in payload.values()
                return
    raise AssertionError(f"no {message} event on {queue}--{scenario.run} within {EVENT_WAIT_S:g}s")
