@uc6 @mock-only
Feature: UC6 — one journey through all six services
  The user logs in, registers the root key, creates the root and child entities, links
  them, protects the child's data under a pseudonym, has a certificate issued over an MPC
  signature, and a verifier checks it against the published key set. Every ID handed from
  one service to the next must come back from it unchanged.

  @smoke
  Scenario: From login to a verified certificate, with IDs that correlate across services
    When the user logs in to identity-service with the temporary token ${TEMP_TOKEN}
    Then a session is opened for ${USER_ID} with the session token ${AUTH_JWT_TOKEN}
    When the user registers the root public key ${ROOT_PUBLIC_KEY} for ${ROOT_ENTITY_ID} with key-service
    Then the key ${ROOT_KEY_ID} is registered for ${ROOT_ENTITY_ID}
    When the user creates the root entity ${ROOT_ENTITY_ID} with identity-service
    Then the entity ${ROOT_ENTITY_ID} is created as a root entity owned by ${USER_ID}
    When the user creates the child entity ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with identity-service
    Then the entity ${CHILD_ENTITY_ID} is created under ${ROOT_ENTITY_ID} for ${USER_ID}
    When the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service
    Then the link ${LINK_ROOT_CHILD_ID} joins ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID}
    When the user derives a pseudonym for ${CHILD_ENTITY_ID} with anonymous-service
    And the user protects the payload ${PROTECTED_PAYLOAD} under the pseudonym ${CHILD_PSEUDONYM_ID} with anonymous-service
    Then the payload is protected as ${PROTECTED_PAYLOAD_ID} with ${PROTECTION_ALGORITHM}
    When the user starts MPC signing of ${CREDENTIAL_REQUEST_DIGEST} with the key ${ROOT_KEY_ID} of ${ROOT_ENTITY_ID} at key-service
    And the user authenticates the MPC session ${MPC_SESSION_ID} with the nonce ${MPC_NONCE} and the proof ${MPC_AUTH_PROOF} at key-service
    And the user completes the MPC signing of the session ${MPC_SESSION_ID} at key-service
    And the user issues a certificate for ${ROOT_ENTITY_ID} over the key ${ROOT_KEY_ID} with the signature ${ROOT_SIGNATURE} at certificate-service
    And a verifier fetches the key set of ${ROOT_ENTITY_ID} from jwks-service
    And a verifier verifies the certificate ${ROOT_CERTIFICATE_ID} with certificate-service
    Then the certificate ${ROOT_CERTIFICATE_ID} is reported valid through the chain of ${ROOT_ENTITY_ID}
    And ${ROOT_ENTITY_ID} appears in the answers of identity-service, key-service, chain-service, jwks-service and certificate-service
    And ${ROOT_KEY_ID} appears in the answers of key-service, identity-service, jwks-service and certificate-service
    And ${CHILD_ENTITY_ID} appears in the answers of identity-service, chain-service and anonymous-service
    And ${CHILD_PSEUDONYM_ID} appears in the answers of anonymous-service
    And ${ROOT_SIGNATURE} appears in the answers of key-service
    And a KeyRegistered event is published for ${ROOT_KEY_ID}
    And an EntityCreated event is published for ${ROOT_ENTITY_ID}
    And an EntityCreated event is published for ${CHILD_ENTITY_ID}
    And a LinkCreated event is published for ${LINK_ROOT_CHILD_ID}
    And a PseudonymCreated event is published for ${CHILD_PSEUDONYM_ID}
    And a SignatureCompleted event is published for ${MPC_SESSION_ID}
    And a CertificateIssued event is published for ${ROOT_CERTIFICATE_ID}
