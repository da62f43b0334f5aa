"""certificate-service and jwks-service in domain words: issuing, verifying, revoking, key sets."""

from pytest_bdd import parsers, then, when

from .support import expect_fields, send


@when(
    parsers.parse(
        "the user issues a certificate for {entity} over the key {key_id} with the signature "
        "{signature} at certificate-service"
    )
)
def issue(actor, dataset, constants, entity, key_id, signature):
    send(actor, dataset, constants, "UC4.issue_root_certificate", entity_id=entity, key_id=key_id, signature=signature)


@then(parsers.parse("the certificate {cert} with the serial number {serial} is issued for {entity}"))
def issued(world, constants, cert, serial, entity):
    expect_fields(
        world.last,
        constants,
        "an issued certificate",
        certificate_id=cert,
        serial_number=serial,
        entity_id=entity,
        status="${CERTIFICATE_STATUS_VALID}",
    )


@when(parsers.parse("a verifier verifies the certificate {cert} with certificate-service"))
def verify(actor, dataset, constants, cert):
    send(actor, dataset, constants, "UC4.verify_root_certificate", certificate_id=cert)


@then(parsers.parse("the certificate {cert} is reported valid through the chain of {entity}"))
def reported_valid(world, constants, cert, entity):
    expect_fields(
        world.last,
        constants,
        "a verification",
        certificate_id=cert,
        valid="true",
        status="${CERTIFICATE_STATUS_VALID}",
        chain__0=entity,
    )


@then(parsers.parse("the certificate {cert} is reported revoked"))
def reported_revoked(world, constants, cert):
    expect_fields(
        world.last,
        constants,
        "a verification",
        certificate_id=cert,
        valid="false",
        status="${CERTIFICATE_STATUS_REVOKED}",
    )


@when(parsers.parse("the user revokes the certificate {cert} for the reason {reason} with certificate-service"))
def revoke(actor, dataset, constants, cert, reason):
    send(actor, dataset, constants, "UC5.revoke_root_certificate", certificate_id=cert, reason=reason)


@then(parsers.parse("the certificate {cert} is revoked"))
def revoked(world, constants, cert):
    expect_fields(
        world.last, constants, "a revoked certificate", certificate_id=cert, status="${CERTIFICATE_STATUS_REVOKED}"
    )


@when(parsers.parse("a verifier fetches the key set of {entity} from jwks-service"))
def fetch_jwks(actor, dataset, constants, entity):
    send(actor, dataset, constants, "UC4.get_root_jwks", entity_id=entity)


@then(parsers.parse("the key set of {entity} holds the key {kid}"))
def jwks_holds(world, constants, entity, kid):
    answer = world.last
    expect_fields(answer, constants, "a key set", entity_id=entity)
    want = constants.arg(kid)
    kids = [k.get("kid") for k in answer.field("keys")]
    if want.value not in kids:
        raise AssertionError(f"{answer.label}: the key set holds {kids}, not {want.describe()}")
