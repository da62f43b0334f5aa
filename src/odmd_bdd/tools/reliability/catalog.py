"""The fault catalog: every fault the harness must catch, where, and what the message must name.

Each entry is one run of the features with one fault plan. `layers` are the layers that
must catch it (a wrong CORS origin only matters to a browser; a GUI bug only to the GUI);
`needle` is text the failure message must contain — the field, route or thing at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UC1 = "features/uc1_authentication_key_entity.feature"
UC2 = "features/uc2_entity_data_relationship.feature"
UC3 = "features/uc3_relationship_privacy_protection.feature"
UC4 = "features/uc4_credential_distribution_verification.feature"
UC5 = "features/uc5_multilevel_entities.feature"
BOTH = ("api", "gui")


@dataclass(frozen=True)
class FaultCase:
    id: str
    service: str
    kind: str
    description: str
    plan: dict[str, Any]
    features: tuple[str, ...]
    needle: str
    layers: tuple[str, ...] = BOTH
    args: tuple[str, ...] = ()
    run_level: bool = False  # the run itself must refuse to start (no scenario runs)
    in_subset: bool = False  # part of the representative subset `make test` runs


def _answer(op: str, **fault: Any) -> dict[str, Any]:
    return {"enver": [{"operation": op, **fault}]}


def _client(kind: str, op: str, **fault: Any) -> dict[str, Any]:
    return {"client": [{"kind": kind, "operation": op, **fault}]}


CATALOG: list[FaultCase] = [
    # identity-service
    FaultCase(
        "identity-wrong-user-id",
        "identity-service",
        "wrong constant value",
        "login answers another user_id",
        _answer("identity-service.login", set={"user_id": "user_99999_other"}),
        (UC1,),
        "field user_id",
        in_subset=True,
    ),
    FaultCase(
        "identity-missing-session-token",
        "identity-service",
        "missing required field",
        "login answers without session_token",
        _answer("identity-service.login", remove=["session_token"]),
        (UC1,),
        "'session_token' is a required property",
    ),
    FaultCase(
        "identity-wrong-type-created-at",
        "identity-service",
        "wrong type",
        "createEntity answers created_at as a number",
        _answer("identity-service.createEntity", set={"created_at": 1767225600}),
        (UC1,),
        "$.created_at",
    ),
    FaultCase(
        "identity-undeclared-status",
        "identity-service",
        "wrong status",
        "createEntity answers 200 instead of 201",
        _answer("identity-service.createEntity", status=200),
        (UC1,),
        "status 200 is not declared",
        in_subset=True,
    ),
    FaultCase(
        "identity-wrong-profile-email",
        "identity-service",
        "wrong constant value",
        "updateEntity answers another email",
        _answer("identity-service.updateEntity", set={"profile.email": "someone.else@example.test"}),
        (UC2,),
        "profile.email",
    ),
    FaultCase(
        "identity-extra-field",
        "identity-service",
        "undeclared field",
        "readEntity answers an undeclared internal_note",
        _answer("identity-service.readEntity", set={"internal_note": "x"}),
        (UC2,),
        "internal_note",
    ),
    FaultCase(
        "identity-latency",
        "identity-service",
        "latency beyond the timeout",
        "readEntity answers after the client's timeout",
        _answer("identity-service.readEntity", delay_s=4),
        (UC2,),
        "readEntity",
        args=("--http-timeout", "1", "--gui-timeout", "1"),
    ),
    FaultCase(
        "identity-cors",
        "identity-service",
        "wrong CORS header",
        "login allows another origin",
        _answer("identity-service.login", cors_origin="http://evil.invalid"),
        (UC1,),
        "login",
        layers=("gui",),
    ),
    FaultCase(
        "identity-malformed-event",
        "identity-service",
        "malformed event",
        "createEntity publishes EntityCreated without its fields",
        _answer("identity-service.createEntity", event="malform"),
        (UC1,),
        "'entity_id' is a required property",
    ),
    # key-service
    FaultCase(
        "key-wrong-key-id",
        "key-service",
        "wrong constant value",
        "registerKey answers another key_id",
        _answer("key-service.registerKey", set={"key_id": "key_other_0009"}),
        (UC1,),
        "field key_id",
    ),
    FaultCase(
        "key-content-type",
        "key-service",
        "wrong content type",
        "registerKey answers text/plain",
        _answer("key-service.registerKey", content_type="text/plain"),
        (UC1,),
        "content type 'text/plain",
    ),
    FaultCase(
        "key-missing-nonce",
        "key-service",
        "missing required field",
        "initiateMpcSigning answers without nonce",
        _answer("key-service.initiateMpcSigning", remove=["nonce"]),
        (UC4,),
        "'nonce' is a required property",
    ),
    FaultCase(
        "key-not-authenticated",
        "key-service",
        "wrong constant value",
        "authenticateMpcSigning answers authenticated: false",
        _answer("key-service.authenticateMpcSigning", set={"authenticated": False}),
        (UC4,),
        "field authenticated",
    ),
    FaultCase(
        "key-500",
        "key-service",
        "500",
        "completeMpcSigning answers 500",
        _answer("key-service.completeMpcSigning", status=500, body={"error": "internal", "message": "boom"}),
        (UC4,),
        "status 500 is not declared",
        in_subset=True,
    ),
    FaultCase(
        "key-dropped-event",
        "key-service",
        "dropped event",
        "registerKey publishes no KeyRegistered",
        _answer("key-service.registerKey", event="drop"),
        (UC1,),
        "no KeyRegistered event",
    ),
    FaultCase(
        "key-400-accepted",
        "key-service",
        "invalid request accepted",
        "registerKey answers 201 to a body without public_key",
        _answer("key-service.registerKey", when_status=400, status=201),
        (UC1,),
        "registerKey",
        layers=("api",),
    ),
    # anonymous-service
    FaultCase(
        "anonymous-wrong-pseudonym",
        "anonymous-service",
        "wrong constant value",
        "createPseudonym answers another pseudonym",
        _answer("anonymous-service.createPseudonym", set={"pseudonym": "anon_00000000"}),
        (UC3,),
        "field pseudonym",
    ),
    FaultCase(
        "anonymous-wrong-type-size",
        "anonymous-service",
        "wrong type",
        "protectPayload answers size_bytes as a string",
        _answer("anonymous-service.protectPayload", set={"metadata.size_bytes": "23"}),
        (UC3,),
        "$.metadata.size_bytes",
    ),
    FaultCase(
        "anonymous-leaks-ciphertext",
        "anonymous-service",
        "undeclared field",
        "revealMetadata also answers the ciphertext",
        _answer("anonymous-service.revealMetadata", set={"ciphertext": "c2VjcmV0"}),
        (UC3,),
        "ciphertext",
    ),
    FaultCase(
        "anonymous-wrong-event-value",
        "anonymous-service",
        "wrong event value",
        "PseudonymCreated names another pseudonym",
        _answer("anonymous-service.createPseudonym", event_set={"pseudonym": "anon_00000000"}),
        (UC3,),
        "$.pseudonym",
    ),
    # chain-service
    FaultCase(
        "chain-wrong-link-id",
        "chain-service",
        "wrong constant value",
        "createLink answers another link_id",
        _answer("chain-service.createLink", set={"link_id": "lnk_other_9"}),
        (UC2,),
        "field link_id",
        in_subset=True,
    ),
    FaultCase(
        "chain-missing-links",
        "chain-service",
        "missing required field",
        "listLinks answers without links",
        _answer("chain-service.listLinks", remove=["links"]),
        (UC3,),
        "'links' is a required property",
    ),
    FaultCase(
        "chain-revoke-not-revoked",
        "chain-service",
        "wrong constant value",
        "revokeLink answers status active",
        _answer("chain-service.revokeLink", set={"status": "active"}),
        (UC5,),
        "field status",
    ),
    FaultCase(
        "chain-dropped-event",
        "chain-service",
        "dropped event",
        "revokeLink publishes no LinkRevoked",
        _answer("chain-service.revokeLink", event="drop"),
        (UC5,),
        "no LinkRevoked event",
    ),
    # jwks-service
    FaultCase(
        "jwks-wrong-kid",
        "jwks-service",
        "wrong constant value",
        "getJwks answers another kid",
        _answer("jwks-service.getJwks", set={"keys[0].kid": "key_other_0009"}),
        (UC4,),
        "holds ['key_other_0009']",
    ),
    FaultCase(
        "jwks-wrong-type-x",
        "jwks-service",
        "wrong type",
        "getJwks answers x as a number",
        _answer("jwks-service.getJwks", set={"keys[0].x": 42}),
        (UC4,),
        "$.keys[0].x",
    ),
    FaultCase(
        "jwks-missing-artifact",
        "jwks-service",
        "missing schema artifact",
        "jwks-service publishes no schema artifact",
        {"withhold_artifacts": ["jwks-service"]},
        (UC4,),
        "/odmd-share/jwks-service/b..mock/jwksApiBaseUrl/schema-url is not published",
        run_level=True,
    ),
    # certificate-service
    FaultCase(
        "certificate-wrong-serial",
        "certificate-service",
        "wrong constant value",
        "issueCertificate answers another serial number",
        _answer("certificate-service.issueCertificate", set={"serial_number": "FFFFFFFFFFFFFFFF"}),
        (UC4,),
        "field serial_number",
    ),
    FaultCase(
        "certificate-reported-invalid",
        "certificate-service",
        "wrong constant value",
        "verifyCertificate answers valid: false",
        _answer("certificate-service.verifyCertificate", set={"valid": False}),
        (UC4,),
        "field valid",
    ),
    FaultCase(
        "certificate-revoke-500",
        "certificate-service",
        "500",
        "revokeCertificate answers 500",
        _answer("certificate-service.revokeCertificate", status=500, body={"error": "internal", "message": "boom"}),
        (UC5,),
        "status 500 is not declared",
    ),
    FaultCase(
        "certificate-malformed-event",
        "certificate-service",
        "malformed event",
        "issueCertificate publishes CertificateIssued without its fields",
        _answer("certificate-service.issueCertificate", event="malform"),
        (UC4,),
        "'certificate_id' is a required property",
    ),
    # the web client (GUI only)
    FaultCase(
        "gui-shows-wrong-user",
        "web-client",
        "wrong text shown",
        "the login page shows another user_id",
        _client("show", "login", field="user_id", value="user_x"),
        (UC1,),
        "user_id: shown",
        layers=("gui",),
        in_subset=True,
    ),
    FaultCase(
        "gui-wrong-route",
        "web-client",
        "wrong route called",
        "register key calls /key/registr",
        _client("route", "registerKey", path="/key/registr"),
        (UC1,),
        "/key/registr",
        layers=("gui",),
    ),
    FaultCase(
        "gui-missing-element",
        "web-client",
        "missing element",
        "the certificate page leaves out serial_number",
        _client("hide", "issueCertificate", field="serial_number"),
        (UC4,),
        "serial_number",
        layers=("gui",),
    ),
    FaultCase(
        "gui-shows-wrong-link",
        "web-client",
        "wrong text shown",
        "the chain page shows another link_id",
        _client("show", "createLink", field="link_id", value="lnk_x"),
        (UC2,),
        "link_id: shown",
        layers=("gui",),
    ),
]
