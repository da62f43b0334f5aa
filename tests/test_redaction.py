from odmd_bdd.redaction import MASK, Redactor
from odmd_bdd.transports import Exchange

R = Redactor(["mock_auth_jwt_token_for_testing", "mock_temp_token_12345", "abc"])


def test_authorization_header_keeps_scheme_only():
    assert R.headers({"Authorization": "Bearer xyz", "Cookie": "s=1", "Accept": "application/json"}) == {
        "Authorization": f"Bearer {MASK}",
        "Cookie": MASK,
        "Accept": "application/json",
    }


def test_credential_fields_are_masked_at_any_depth():
    body = {"session_token": "t", "nested": [{"refresh_token": "r", "user_id": "u"}], "apiKey": "k", "empty_token": ""}
    assert R.json(body) == {
        "session_token": MASK,
        "nested": [{"refresh_token": MASK, "user_id": "u"}],
        "apiKey": MASK,
        "empty_token": "",
    }


def test_known_secret_values_and_bearer_strings_are_masked_in_free_text():
    text = "sent mock_temp_token_12345 with Authorization: Bearer eyJ.abc-def and basic dXNlcg=="
    assert R.text(text) == f"sent {MASK} with Authorization: Bearer {MASK} and basic {MASK}"
    assert R.json({"message": "token mock_auth_jwt_token_for_testing expired"}) == {"message": f"token {MASK} expired"}


def test_short_values_are_not_treated_as_secrets():
    assert R.text("abc is fine") == "abc is fine"


def test_exchange_record_is_redacted_everywhere():
    ex = Exchange(
        service="s",
        operation_id="op",
        method="POST",
        url="http://127.0.0.1/x?t=mock_temp_token_12345",
        request_headers={"Authorization": "Bearer mock_auth_jwt_token_for_testing"},
        request_body={"temp_token": "mock_temp_token_12345"},
        status=200,
        response_body={"session_token": "mock_auth_jwt_token_for_testing", "user_id": "u"},
    )
    text = str(ex.redacted(R))
    assert "mock_" not in text and "'user_id': 'u'" in text


def test_api_keys_and_basic_credentials_are_masked_wherever_a_scheme_puts_them():
    from odmd_bdd.redaction import MASK, Redactor

    r = Redactor()
    assert r.headers({"api_key": "key-12345", "Authorization": "Basic YWxpY2U6czNjcmV0"}) == {
        "api_key": MASK,
        "Authorization": f"Basic {MASK}",
    }
    assert r.text("http://h/notes?api_key=qkey-123&limit=2") == f"http://h/notes?api_key={MASK}&limit=2"
    assert r.text("later: key-12345") == f"later: {MASK}"  # a key seen in a header is learnt
