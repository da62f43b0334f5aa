import pytest

from odmd_bdd.data.dataset import Dataset
from odmd_bdd.data.placeholders import Constants, Expected, names_in
from odmd_bdd.errors import ConstantError, DatasetError

RAW = {"ROOT_ENTITY_ID": "550e", "ALIAS": "${ROOT_ENTITY_ID}", "TTL": 3600, "AUTH_JWT_TOKEN": "tok_abc"}


def test_whole_reference_keeps_type_and_embedded_reference_interpolates():
    c = Constants(RAW)
    assert c["ALIAS"] == "550e"
    assert c.substitute({"ttl": "${TTL}", "msg": "id=${ROOT_ENTITY_ID}", "l": ["${TTL}"]}) == {
        "ttl": 3600,
        "msg": "id=550e",
        "l": [3600],
    }


def test_arg_remembers_the_constant_name_and_strips_quotes():
    c = Constants(RAW)
    assert c.arg('"${ROOT_ENTITY_ID}"') == Expected("550e", "ROOT_ENTITY_ID")
    assert c.arg("plain text") == Expected("plain text")
    assert c.arg("true") == Expected(True) and c.arg("null") == Expected(None) and c.arg('"true"') == Expected("true")


def test_unknown_name_names_where_and_suggests_the_closest():
    c = Constants(RAW)
    with pytest.raises(ConstantError) as err:
        c.check("When the user reads ${ROOT_ENTTY_ID}", "features/x.feature:7")
    assert "features/x.feature:7: unknown constant ${ROOT_ENTTY_ID}" in str(err.value)
    assert "did you mean ${ROOT_ENTITY_ID}?" in str(err.value)


def test_a_constant_may_only_refer_to_one_defined_above():
    with pytest.raises(ConstantError, match=r"unknown constant \$\{LATER\}"):
        Constants({"EARLY": "${LATER}", "LATER": "x"})


def test_secret_values_are_those_named_like_credentials():
    c = Constants(RAW)
    assert c.secret_values() == {"tok_abc"}
    assert c.arg("${AUTH_JWT_TOKEN}").describe() == "${AUTH_JWT_TOKEN} (value redacted)"
    assert "tok_abc" not in repr(c)


def test_names_in_finds_every_reference():
    assert names_in("${A} and ${B_2} but not $C or ${}") == ["A", "B_2"]


def test_dataset_error_names_file_and_line_of_the_case(tmp_path):
    path = tmp_path / "ds.yaml"
    path.write_text(
        "constants:\n  A: x\nuse_cases:\n  UC1:\n    steps:\n      s1:\n        service: svc\n"
        "        operation: op\n        request: {body: {a: '${NOPE}'}}\n        response: {status: 200}\n"
    )
    with pytest.raises(DatasetError) as err:
        Dataset.load(path)
    assert f"{path}:6" in str(err.value) and "${NOPE}" in str(err.value)


def test_dataset_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "ds.yaml"
    path.write_text("constants:\n  A: [unclosed\n  B: x\n")
    with pytest.raises(DatasetError, match=rf"{path}:\d+: invalid YAML"):
        Dataset.load(path)


def test_reference_dataset_loads_with_platform_constants(reference_constellation):
    ds = reference_constellation.dataset
    c = ds.constants
    assert c["ROOT_ENTITY_ID"] == "550e8400-e29b-41d4-a716-446655440001"
    assert c["ROOT_IDENTITY_ID"] == c["ROOT_ENTITY_ID"]
    assert c["CHILD_ENTITY_ID"] == "550e8400-e29b-41d4-a716-446655440002"
    assert c["USER_ID"] == "user_12345_system"
    assert c["TEMP_TOKEN"] == "mock_temp_token_12345"
    assert c["AUTH_JWT_TOKEN"] == "mock_auth_jwt_token_for_testing"
    login = ds.case("UC1.login")
    assert login.response["body"]["session_token"] == c["AUTH_JWT_TOKEN"]
    with pytest.raises(DatasetError, match="did you mean UC1.login"):
        ds.case("UC1.logn")


def test_constants_marked_secret_in_the_dataset_are_secret_and_an_unknown_mark_is_an_error():
    constants = Constants(
        {"MPC_AUTH_PROOF": "proof_5d2e8f1a", "ROOT_KEY_ID": "key_root_0001"}, secrets=["MPC_AUTH_PROOF"]
    )
    assert constants.is_secret("MPC_AUTH_PROOF") and not constants.is_secret("ROOT_KEY_ID")
    assert constants.secret_values() == {"proof_5d2e8f1a"}
    assert constants.arg("${MPC_AUTH_PROOF}").describe() == "${MPC_AUTH_PROOF} (value redacted)"
    with pytest.raises(ConstantError, match=r"secrets: unknown constant \$\{MPC_AUTH_PROF\}"):
        Constants({"MPC_AUTH_PROOF": "x"}, source="ds.yaml", secrets=["MPC_AUTH_PROF"])
