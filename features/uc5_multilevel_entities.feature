@uc5 @mock-only
Feature: UC5 — multi-level entities and advanced operations
  identity-service creates a grandchild under the child; chain-service builds the two-level
  chain, delegates from the root to the grandchild and revokes the middle link;
  certificate-service revokes the root certificate, after which verification reports it
  revoked.

  Background:
    Given the user is logged in to identity-service

  @smoke
  Scenario: A two-level chain with a delegation; the middle link and the certificate are revoked
    When the user creates the grandchild entity ${GRANDCHILD_ENTITY_ID} under ${CHILD_ENTITY_ID} with identity-service
    Then the entity ${GRANDCHILD_ENTITY_ID} is created under ${CHILD_ENTITY_ID} for ${USER_ID}
    And an EntityCreated event is published for ${GRANDCHILD_ENTITY_ID}
    When the user links ${GRANDCHILD_ENTITY_ID} under ${CHILD_ENTITY_ID} with chain-service
    Then the link ${LINK_CHILD_GRANDCHILD_ID} joins ${GRANDCHILD_ENTITY_ID} under ${CHILD_ENTITY_ID}
    When the user lists the links of ${CHILD_ENTITY_ID} with chain-service
    Then the listed links are ${LINK_ROOT_CHILD_ID} and ${LINK_CHILD_GRANDCHILD_ID}
    When the user delegates from ${ROOT_ENTITY_ID} to ${GRANDCHILD_ENTITY_ID} with chain-service
    Then the link ${LINK_DELEGATION_ID} is a delegation from ${ROOT_ENTITY_ID} to ${GRANDCHILD_ENTITY_ID}
    And a LinkCreated event is published for ${LINK_DELEGATION_ID}
    When the user revokes the link ${LINK_ROOT_CHILD_ID} for the reason ${REVOCATION_REASON} with chain-service
    Then the link ${LINK_ROOT_CHILD_ID} is revoked
    And a LinkRevoked event is published for ${LINK_ROOT_CHILD_ID}
    When the user revokes the certificate ${ROOT_CERTIFICATE_ID} for the reason ${REVOCATION_REASON} with certificate-service
    Then the certificate ${ROOT_CERTIFICATE_ID} is revoked
    And a CertificateRevoked event is published for ${ROOT_CERTIFICATE_ID}
    When a verifier verifies the certificate ${ROOT_CERTIFICATE_ID} with certificate-service
    Then the certificate ${ROOT_CERTIFICATE_ID} is reported revoked
    And the answer matches the dataset case UC5.verify_revoked_certificate

  @error
  Scenario: Revoking an unknown certificate is refused as not found
    When the user revokes the certificate ${UNKNOWN_CERTIFICATE_ID} for the reason ${REVOCATION_REASON} with certificate-service
    Then the request is refused as not found

  @error @api-only
  Scenario: Revoking a link without a reason is rejected, naming the field
    When the client sends the dataset case UC5.revoke_link_without_reason
    Then the request is rejected as malformed, naming the field reason
