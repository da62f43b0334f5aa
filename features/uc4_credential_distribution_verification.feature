@uc4 @mock-only
Feature: UC4 — credential generation, public distribution and verification
  key-service MPC-signs the credential request in three steps; certificate-service issues
  the certificate; jwks-service publishes the root key; certificate-service verifies the
  certificate's chain.

  Background:
    Given the user is logged in to identity-service

  @smoke
  Scenario: A certificate is issued over an MPC signature, distributed and verified as valid
    When the user starts MPC signing of ${CREDENTIAL_REQUEST_DIGEST} with the key ${ROOT_KEY_ID} of ${ROOT_ENTITY_ID} at key-service
    Then the MPC session ${MPC_SESSION_ID} is opened with the nonce ${MPC_NONCE}
    When the user authenticates the MPC session ${MPC_SESSION_ID} with the nonce ${MPC_NONCE} and the proof ${MPC_AUTH_PROOF} at key-service
    Then the MPC session ${MPC_SESSION_ID} is authenticated
    When the user completes the MPC signing of the session ${MPC_SESSION_ID} at key-service
    Then the signature ${ROOT_SIGNATURE} is produced with the key ${ROOT_KEY_ID}
    And a SignatureCompleted event is published for ${MPC_SESSION_ID}
    When the user issues a certificate for ${ROOT_ENTITY_ID} over the key ${ROOT_KEY_ID} with the signature ${ROOT_SIGNATURE} at certificate-service
    Then the certificate ${ROOT_CERTIFICATE_ID} with the serial number ${ROOT_CERTIFICATE_SERIAL} is issued for ${ROOT_ENTITY_ID}
    And a CertificateIssued event is published for ${ROOT_CERTIFICATE_ID}
    When a verifier fetches the key set of ${ROOT_ENTITY_ID} from jwks-service
    Then the key set of ${ROOT_ENTITY_ID} holds the key ${ROOT_KEY_ID}
    When a verifier verifies the certificate ${ROOT_CERTIFICATE_ID} with certificate-service
    Then the certificate ${ROOT_CERTIFICATE_ID} is reported valid through the chain of ${ROOT_ENTITY_ID}

  @error
  Scenario: The key set of an unknown entity is refused as not found
    When a verifier fetches the key set of ${UNKNOWN_ENTITY_ID} from jwks-service
    Then the request is refused as not found
    And the answer matches the dataset case UC4.jwks_of_unknown_entity

  @error
  Scenario: Verifying an unknown certificate is refused as not found
    When a verifier verifies the certificate ${UNKNOWN_CERTIFICATE_ID} with certificate-service
    Then the request is refused as not found

  @error @api-only
  Scenario: MPC signing of a digest in the wrong format is rejected, naming the field
    When the client sends the dataset case UC4.initiate_mpc_with_bad_digest
    Then the request is rejected as malformed, naming the field payload_digest
