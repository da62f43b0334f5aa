@uc1 @mock-only
Feature: UC1 — authentication, key management and root entity creation
  The user logs in to identity-service with a temporary token and gets a session,
  registers the root public key with key-service, and creates the root entity with
  identity-service. Every expected value is a constant of the master mock dataset.

  @smoke
  Scenario: A user logs in, registers the root key and creates the root entity
    When the user logs in to identity-service with the temporary token ${TEMP_TOKEN}
    Then a session is opened for ${USER_ID} with the session token ${AUTH_JWT_TOKEN}
    When the user registers the root public key ${ROOT_PUBLIC_KEY} for ${ROOT_ENTITY_ID} with key-service
    Then the key ${ROOT_KEY_ID} is registered for ${ROOT_ENTITY_ID}
    And the answer matches the dataset case UC1.register_root_key
    And a KeyRegistered event is published for ${ROOT_KEY_ID}
    When the user creates the root entity ${ROOT_ENTITY_ID} with identity-service
    Then the entity ${ROOT_ENTITY_ID} is created as a root entity owned by ${USER_ID}
    And the answer matches the dataset case UC1.create_root_entity
    And an EntityCreated event is published for ${ROOT_ENTITY_ID}

  Scenario: A logged-in user refreshes the session with the refresh token
    Given the user is logged in to identity-service
    When the client sends the dataset case UC1.refresh_session
    Then the request succeeds
    And the answer matches the dataset case UC1.refresh_session

  @error @api-only
  Scenario: Registering a key with a malformed body is rejected, naming the missing field
    Given the user is logged in to identity-service
    When the user registers the root public key with key-service without the field public_key
    Then the request is rejected as malformed, naming the field public_key
    And the answer matches the dataset case UC1.register_key_without_public_key

  @error
  Scenario: Registering a key without a session token is refused
    When the user registers the root public key with key-service without a session token
    Then the request is refused as unauthorized

  @error
  Scenario: Logging in with a wrong temporary token is refused
    When the user logs in to identity-service with the temporary token ${WRONG_TEMP_TOKEN}
    Then the request is refused as unauthorized
    And no session is opened

  @error
  Scenario: Creating the root entity with a tampered session token is refused
    Given the user is logged in to identity-service
    When the user creates the root entity ${ROOT_ENTITY_ID} with identity-service using the session token ${WRONG_AUTH_JWT_TOKEN}
    Then the request is refused as unauthorized

  @error @api-only
  Scenario: Any dataset error case can be replayed with the generic steps
    Given the user is logged in to identity-service
    When the client sends the dataset case UC1.login_with_wrong_temp_token
    Then the answer matches the dataset case UC1.login_with_wrong_temp_token
