"""key-service in domain words: registering public keys."""

from pytest_bdd import parsers, then, when

from odmd_bdd import expect
from odmd_bdd.actors import NO_AUTH, Action

REGISTER_ROOT_KEY = "UC1.register_root_key"


@when(parsers.parse("the user registers the root public key {key} for {entity} with key-service"))
def register_root_key(actor, dataset, constants, key, entity):
    actor.perform(Action.from_case(dataset.case(REGISTER_ROOT_KEY), public_key=constants.arg(key).value,
                                   entity_id=constants.arg(entity).value))


@when(parsers.parse("the user registers the root public key with key-service without the field {field}"))
def register_root_key_without(actor, dataset, field):
    action = Action.from_case(dataset.case(REGISTER_ROOT_KEY))
    action.body = {k: v for k, v in action.body.items() if k != field}
    actor.perform(action)


@when("the user registers the root public key with key-service without a session token")
def register_root_key_anonymously(actor, dataset):
    actor.perform(Action.from_case(dataset.case(REGISTER_ROOT_KEY), auth=NO_AUTH))


@then(parsers.parse("the key {key_id} is registered for {entity}"))
def key_registered(world, constants, key_id, entity):
    answer = world.last
    expect.status_in(answer, range(200, 300), "the key to be registered")
    expect.field_equals(answer, "key_id", constants.arg(key_id))
    expect.field_equals(answer, "entity_id", constants.arg(entity))
