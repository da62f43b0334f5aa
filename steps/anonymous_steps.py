"""anonymous-service in domain words: pseudonyms and protected payloads."""

from pytest_bdd import parsers, then, when

from .support import expect_fields, send


@when(parsers.parse("the user derives a pseudonym for {entity} with anonymous-service"))
def derive_pseudonym(actor, dataset, constants, entity):
    send(actor, dataset, constants, "UC3.create_child_pseudonym", entity_id=entity)


@then(parsers.parse("the pseudonym {pseudonym_id} named {pseudonym} stands for {entity}"))
def pseudonym_for(world, constants, pseudonym_id, pseudonym, entity):
    expect_fields(
        world.last, constants, "a pseudonym", pseudonym_id=pseudonym_id, pseudonym=pseudonym, entity_id=entity
    )


@when(
    parsers.parse("the user protects the payload {payload} under the pseudonym {pseudonym_id} with anonymous-service")
)
def protect(actor, dataset, constants, payload, pseudonym_id):
    send(actor, dataset, constants, "UC3.protect_payload", payload=payload, pseudonym_id=pseudonym_id)


@then(parsers.parse("the payload is protected as {protected_id} with {algorithm}"))
def protected(world, constants, protected_id, algorithm):
    expect_fields(world.last, constants, "a protected payload", protected_id=protected_id, algorithm=algorithm)


@when(parsers.parse("the user reveals the metadata of {protected_id} with anonymous-service"))
def reveal(actor, dataset, constants, protected_id):
    send(actor, dataset, constants, "UC3.reveal_payload_metadata", protected_id=protected_id)


@then(parsers.parse("only the metadata is revealed: {size} bytes of {content_type}"))
def only_metadata(world, constants, size, content_type):
    answer = world.last
    expect_fields(
        answer, constants, "the payload's metadata", metadata__size_bytes=size, metadata__content_type=content_type
    )
    leaked = [f for f in ("payload", "ciphertext") if isinstance(answer.body, dict) and f in answer.body]
    if leaked:
        raise AssertionError(f"{answer.label}: metadata only was asked for, but the answer reveals {leaked}")
