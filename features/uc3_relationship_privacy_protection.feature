@uc3 @mock-only
Feature: UC3 — relationships, privacy and protection
  chain-service lists the root's links; anonymous-service derives a pseudonym for the child,
  protects a payload under it and reveals only the payload's metadata.

  Background:
    Given the user is logged in to identity-service

  @smoke
  Scenario: The child's data is protected under a pseudonym and only its metadata is revealed
    When the user lists the links of ${ROOT_ENTITY_ID} with chain-service
    Then the listed links are ${LINK_ROOT_CHILD_ID}
    When the user derives a pseudonym for ${CHILD_ENTITY_ID} with anonymous-service
    Then the pseudonym ${CHILD_PSEUDONYM_ID} named ${CHILD_PSEUDONYM} stands for ${CHILD_ENTITY_ID}
    And a PseudonymCreated event is published for ${CHILD_PSEUDONYM_ID}
    When the user protects the payload ${PROTECTED_PAYLOAD} under the pseudonym ${CHILD_PSEUDONYM_ID} with anonymous-service
    Then the payload is protected as ${PROTECTED_PAYLOAD_ID} with ${PROTECTION_ALGORITHM}
    When the user reveals the metadata of ${PROTECTED_PAYLOAD_ID} with anonymous-service
    Then only the metadata is revealed: ${PROTECTED_SIZE_BYTES} bytes of ${PROTECTED_CONTENT_TYPE}
    And the answer matches the dataset case UC3.reveal_payload_metadata

  @error
  Scenario: A pseudonym for an unknown entity is refused as not found
    When the user derives a pseudonym for ${UNKNOWN_ENTITY_ID} with anonymous-service
    Then the request is refused as not found

  @error @api-only
  Scenario: Protecting without a payload is rejected, naming the field
    When the client sends the dataset case UC3.protect_without_payload
    Then the request is rejected as malformed, naming the field payload

  @error @api-only
  Scenario: Listing links without a session token is refused
    When the client sends the dataset case UC3.list_links_without_session
    Then the request is refused as unauthorized
