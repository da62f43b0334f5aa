"""key-service in domain words: registering public keys and MPC signing."""

from pytest_bdd import parsers, then, when

from odmd_bdd.actors import NO_AUTH, Action

from .support import expect_fields, send

REGISTER_ROOT_KEY = "UC1.register_root_key"


@when(parsers.parse("the user registers the root public key {key} for {entity} with key-service"))
def register_root_key(actor, dataset, constants, key, entity):
    send(actor, dataset, constants, REGISTER_ROOT_KEY, public_key=key, entity_id=entity)


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
    expect_fields(world.last, constants, "the key to be registered", key_id=key_id, entity_id=entity)


@when(parsers.parse("the user starts MPC signing of {digest} with the key {key_id} of {entity} at key-service"))
def start_mpc(actor, dataset, constants, digest, key_id, entity):
    send(actor, dataset, constants, "UC4.initiate_mpc_signing", payload_digest=digest, key_id=key_id, entity_id=entity)


@then(parsers.parse("the MPC session {session} is opened with the nonce {nonce}"))
def mpc_opened(world, constants, session, nonce):
    expect_fields(world.last, constants, "an MPC session", session_id=session, nonce=nonce)


@when(
    parsers.parse(
        "the user authenticates the MPC session {session} with the nonce {nonce} and the proof {proof} at key-service"
    )
)
def authenticate_mpc(actor, dataset, constants, session, nonce, proof):
    send(actor, dataset, constants, "UC4.authenticate_mpc_signing", session_id=session, nonce=nonce, auth_proof=proof)


@then(parsers.parse("the MPC session {session} is authenticated"))
def mpc_authenticated(world, constants, session):
    expect_fields(world.last, constants, "an authenticated MPC session", session_id=session, authenticated="true")


@when(parsers.parse("the user completes the MPC signing of the session {session} at key-service"))
def complete_mpc(actor, dataset, constants, session):
    send(actor, dataset, constants, "UC4.complete_mpc_signing", session_id=session)


@then(parsers.parse("the signature {signature} is produced with the key {key_id}"))
def signature_produced(world, constants, signature, key_id):
    expect_fields(world.last, constants, "a signature", signature=signature, key_id=key_id)
