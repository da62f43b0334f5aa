"""identity-service in domain words: logging in, creating, reading and updating entities."""

from pytest_bdd import given, parsers, then, when

from odmd_bdd.actors import NO_AUTH, Action
from odmd_bdd.checks import expect

from .support import expect_fields, send

LOGIN = "UC1.login"


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
    expect_fields(world.last, constants, "an opened session", user_id=user, session_token=token)


@then("no session is opened")
def no_session(world):
    if world.session_token is not None:
        raise AssertionError(f"{world.last.label}: a session was opened, but none should be")


@when(parsers.parse("the user creates the root entity {entity} with identity-service"))
def create_root_entity(actor, dataset, constants, entity):
    send(actor, dataset, constants, "UC1.create_root_entity", entity_id=entity)


@when(parsers.parse("the user creates the root entity {entity} with identity-service using the session token {token}"))
def create_root_entity_with_token(actor, dataset, constants, entity, token):
    send(actor, dataset, constants, "UC1.create_root_entity", auth=constants.arg(token).value, entity_id=entity)


@then(parsers.parse("the entity {entity} is created as a root entity owned by {user}"))
def root_entity_created(world, constants, entity, user):
    expect_fields(world.last, constants, "the entity to be created", entity_id=entity, owner_user_id=user)


@when(parsers.parse("the user creates the child entity {entity} under {parent} with identity-service"))
def create_child_entity(actor, dataset, constants, entity, parent):
    send(actor, dataset, constants, "UC2.create_child_entity", entity_id=entity, parent_id=parent)


@when(parsers.parse("the user creates the grandchild entity {entity} under {parent} with identity-service"))
def create_grandchild_entity(actor, dataset, constants, entity, parent):
    send(actor, dataset, constants, "UC5.create_grandchild_entity", entity_id=entity, parent_id=parent)


@then(parsers.parse("the entity {entity} is created under {parent} for {user}"))
def entity_created_under(world, constants, entity, parent, user):
    expect_fields(
        world.last, constants, "the entity to be created", entity_id=entity, parent_id=parent, owner_user_id=user
    )


@when(
    parsers.parse(
        "the user sets the email {email} and the locale {locale} on the profile of {entity} with identity-service"
    )
)
def update_profile(actor, dataset, constants, email, locale, entity):
    profile = {"email": constants.arg(email).value, "locale": constants.arg(locale).value}
    action = Action.from_case(
        dataset.case("UC2.update_child_profile"), entity_id=constants.arg(entity).value, profile=profile
    )
    actor.perform(action)


@when(parsers.parse("the user reads the entity {entity} from identity-service"))
def read_entity(actor, dataset, constants, entity):
    send(actor, dataset, constants, "UC2.read_child_entity", entity_id=entity)


@then(parsers.parse("the profile of {entity} has the email {email} and the locale {locale}"))
def profile_has(world, constants, entity, email, locale):
    expect_fields(
        world.last, constants, "the entity's profile", entity_id=entity, profile__email=email, profile__locale=locale
    )
