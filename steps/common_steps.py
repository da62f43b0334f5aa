"""Generic steps a QA can use for any operation, without writing Python.

    When the client sends the dataset case UC1.register_root_key
    Then the answer matches the dataset case UC1.register_root_key
    Then the answer field key_id is ${ROOT_KEY_ID}
    Then the request is rejected as malformed, naming the field public_key
    Then the request is refused as unauthorized
"""

from pytest_bdd import parsers, then, when

from odmd_bdd import expect
from odmd_bdd.actors import NO_AUTH, SESSION, Action



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
        raise AssertionError(f"{answer.label}: the 400 answer names {answer.zod_paths() or 'no field'}, "
                             f"not {field!r}")


@then("the request is refused as unauthorized")
def refused_as_unauthorized(world):
    expect.status_in(world.last, (401,), "a 401 refusal")


@then("the request succeeds")
def request_succeeds(world):
    expect.status_in(world.last, range(200, 300), "a 2xx success")
