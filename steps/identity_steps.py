"""identity-service in domain words: logging in and creating entities."""

from pytest_bdd import given, parsers, then, when

from odmd_bdd import expect
from odmd_bdd.actors import NO_AUTH, Action

LOGIN = "UC1.login"
CREATE_ROOT_ENTITY = "UC1.create_root_entity"


def _log_in(actor, world, dataset, temp_token=None):
    overrides = {} if temp_token is None else {"temp_token": temp_token}
    answer = actor.perform(Action.from_case(dataset.case(LOGIN), auth=NO_AUTH, **overrides))
    if 200 <= answer.status < 300 and isinstance(answer.body, dict):
        world.session_token = answer.body.get("session_token")
    return answer


@given("the user is logged in to identity-service")
def logged_in(actor, world, dataset):
    answer = _log_in(actor, world, dataset)
    expect.status_in(answer, range(200, 300), "a successful login (needed by the rest of this scenario)")


@when(parsers.parse("the user logs in to identity-service with the temporary token {token}"))
def log_in_with(actor, world, dataset, constants, token):
    _log_in(actor, world, dataset, constants.arg(token).value)


@then(parsers.parse("a session is opened for {user} with the session token {token}"))
def session_opened(world, constants, user, token):
    answer = world.last
    expect.status_in(answer, range(200, 300), "an opened session")
    expect.field_equals(answer, "user_id", constants.arg(user))
    expect.field_equals(answer, "session_token", constants.arg(token))


@then("no session is opened")
def no_session(world):
    if world.session_token is not None:
        raise AssertionError(f"{world.last.label}: a session was opened, but none should be")


@when(parsers.parse("the user creates the root entity {entity} with identity-service"))
def create_root_entity(actor, dataset, constants, entity):
    actor.perform(Action.from_case(dataset.case(CREATE_ROOT_ENTITY), entity_id=constants.arg(entity).value))


@when(parsers.parse("the user creates the root entity {entity} with identity-service using the session token {token}"))
def create_root_entity_with_token(actor, dataset, constants, entity, token):
    actor.perform(Action.from_case(dataset.case(CREATE_ROOT_ENTITY), auth=constants.arg(token).value,
                                   entity_id=constants.arg(entity).value))


@then(parsers.parse("the entity {entity} is created as a root entity owned by {user}"))
def root_entity_created(world, constants, entity, user):
    answer = world.last
    expect.status_in(answer, range(200, 300), "the entity to be created")
    expect.field_equals(answer, "entity_id", constants.arg(entity))
    expect.field_equals(answer, "owner_user_id", constants.arg(user))
