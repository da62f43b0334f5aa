"""Generic steps a QA can use for any operation, without writing Python.

When the client sends the dataset case UC1.register_root_key
Then the answer matches the dataset case UC1.register_root_key
Then the answer field key_id is ${ROOT_KEY_ID}
Then the request is rejected as malformed, naming the field public_key
Then the request is refused as unauthorized
"""

from pytest_bdd import parsers, then, when

from odmd_bdd.actors import NO_AUTH, SESSION, Action
from odmd_bdd.checks import expect


@when(parsers.parse("the client sends the dataset case {ref}"))
def send_dataset_case(actor, constellation, dataset, constants, ref):
    """Send a dataset case's request as it stands; the case's `auth` says which token goes along:
    `session` (the logged-in user's), `none`, or `wrong` (the constellation's invalid bearer token)."""
    case = dataset.case(ref)
    if case.auth == "wrong":
        auth = constants.arg(f"${{{constellation.invalid_bearer_constant}}}").value
    else:
        auth = SESSION if case.auth == "session" else NO_AUTH
    actor.perform(Action.from_case(case, auth=auth))


@then(parsers.parse("the answer matches the dataset case {ref}"))
def answer_matches_case(world, dataset, ref):
    expect.matches_case(world.last, dataset.case(ref))


@then(parsers.parse("the answer field {path} is {value}"))
def answer_field_is(world, constants, path, value):
    expect.field_equals(world.last, path, constants.arg(value))


@then(parsers.parse("the request is rejected as malformed, naming the field {field}"))
def rejected_as_malformed(world, field):
    answer = world.last
    expect.status_in(answer, (400,), "a 400 rejection of a malformed request")
    if field not in answer.zod_paths():
        raise AssertionError(f"{answer.label}: the 400 answer names {answer.zod_paths() or 'no field'}, not {field!r}")


@then("the request is refused as unauthorized")
def refused_as_unauthorized(world):
    expect.status_in(world.last, (401,), "a 401 refusal")


@then("the request succeeds")
def request_succeeds(world):
    expect.status_in(world.last, range(200, 300), "a 2xx success")


@then("the request is refused as not found")
def refused_as_not_found(world):
    expect.status_in(world.last, (404,), "a 404 for an unknown resource")


@then("the request is refused as a conflict")
def refused_as_conflict(world):
    expect.status_in(world.last, (409,), "a 409 conflict")


@then(parsers.parse("the answer has no field {path}"))
def answer_has_no_field(world, path):
    answer = world.last
    try:
        value = answer.field(path)
    except AssertionError:
        return
    raise AssertionError(f"{answer.label}: the answer has a field {path!r} ({type(value).__name__}) it must not have")


@then(parsers.parse("{value} appears in the answers of {services}"))
def appears_in_answers_of(world, constants, value, services):
    """Correlation across services: the value is somewhere in at least one answer of each service."""
    want = constants.arg(value)
    names = [s.strip() for s in services.replace(" and ", ",").split(",") if s.strip()]
    missing = []
    for service in names:
        answers = [a for a in world.answers if a.action.service == service]
        if not any(expect.contains(a.body, want.value) for a in answers):
            missing.append(f"{service} ({len(answers)} answers)")
    if missing:
        raise AssertionError(f"{want.describe()} does not appear in the answers of {', '.join(missing)}")
