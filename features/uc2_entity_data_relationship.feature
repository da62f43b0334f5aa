@uc2 @mock-only
Feature: UC2 — child entity creation, profile data and the parent relationship
  identity-service creates the child entity under the root, updates its profile and reads
  it back; chain-service links it under the root.

  Background:
    Given the user is logged in to identity-service

  @smoke
  Scenario: A child entity is created, its profile updated and read back, and linked under the root
    When the user creates the child entity ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with identity-service
    Then the entity ${CHILD_ENTITY_ID} is created under ${ROOT_ENTITY_ID} for ${USER_ID}
    And the answer matches the dataset case UC2.create_child_entity
    And an EntityCreated event is published for ${CHILD_ENTITY_ID}
    When the user sets the email ${CHILD_EMAIL} and the locale ${CHILD_LOCALE} on the profile of ${CHILD_ENTITY_ID} with identity-service
    Then the profile of ${CHILD_ENTITY_ID} has the email ${CHILD_EMAIL} and the locale ${CHILD_LOCALE}
    And an EntityUpdated event is published for ${CHILD_ENTITY_ID}
    When the user reads the entity ${CHILD_ENTITY_ID} from identity-service
    Then the profile of ${CHILD_ENTITY_ID} has the email ${CHILD_EMAIL} and the locale ${CHILD_LOCALE}
    And the answer matches the dataset case UC2.read_child_entity
    When the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service
    Then the link ${LINK_ROOT_CHILD_ID} joins ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID}
    And a LinkCreated event is published for ${LINK_ROOT_CHILD_ID}

  @error
  Scenario: Reading an unknown entity is refused as not found
    When the user reads the entity ${UNKNOWN_ENTITY_ID} from identity-service
    Then the request is refused as not found
    And the answer matches the dataset case UC2.read_unknown_entity

  @error
  Scenario: Linking the same child twice is refused as a conflict
    When the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service
    And the user links ${CHILD_ENTITY_ID} under ${ROOT_ENTITY_ID} with chain-service
    Then the request is refused as a conflict
    And the answer matches the dataset case UC2.link_child_under_root_twice

  @error @api-only
  Scenario: A child entity with a malformed ID is rejected, naming the field
    When the client sends the dataset case UC2.create_child_with_invalid_id
    Then the request is rejected as malformed, naming the field entity_id
    And the answer matches the dataset case UC2.create_child_with_invalid_id
