"""The harness as a user runs it: pytest on a copy of the project, with planted faults.

Each test plants one fault in the copy (a feature line, a dataset value, an artifact, an
enver address) and checks that the run fails where and how it should — or, for the
unfaulted copy, that it passes and leaves no credential behind.
"""

import http.server
import json
import socket
import threading
import xml.etree.ElementTree as ET

import pytest

from conftest import replace_in

FEATURE = "features/uc1_authentication_key_entity.feature"
SECRETS = (
    "mock_auth_jwt_token_for_testing",
    "mock_temp_token_12345",
    "mock_refresh_token_12345",
    "mock_auth_jwt_token_tampered",
    "mock_temp_token_expired_99999",
)


def test_unfaulted_run_passes_and_reports_leave_no_credential(project):
    result = project.runpytest_subprocess("features/", "-v")
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes.get("failed", 0) == 0 and outcomes["passed"] >= 6
    result.stdout.fnmatch_lines(
        ["*::test_a_user_logs_in_registers_the_root_key_and_creates_the_root_entity[[]api[]] PASSED*"]
    )
    reports = project.path / "reports"
    assert (reports / "junit.xml").exists()
    results = list((reports / "allure-results").glob("*-result.json"))
    assert results, "no Allure results were written"
    attachments = list((reports / "allure-results").glob("*-attachment.json"))
    assert any('"Authorization": "Bearer ***redacted***"' in a.read_text() for a in attachments)
    for path in reports.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            leaked = [s for s in SECRETS if s in text]
            assert not leaked, f"{path} contains {leaked}"
    env = (reports / "allure-results" / "odmd-enver.properties").read_text()
    # Every artifact the run used, with the exact S3 version it was resolved to.
    assert "identity-service.artifact.bundle=s3://odmd-local-artifacts/" in env
    assert "identity-service.artifact.openapi=s3://odmd-local-artifacts/" in env and ".openapi.json@" in env


def test_wrong_value_in_a_dataset_response_fails_the_scenario_naming_the_field(project):
    replace_in(
        project.path / "fixtures/dataset/master-mock-dataset.yaml",
        'user_id: "${USER_ID}"',
        'user_id: "user_99999_other"',
    )
    result = project.runpytest_subprocess(FEATURE, "--layer", "api")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*[[]api[]] identity-service login (UC1.login): field user_id: expected ${USER_ID} = 'user_12345_system',"
            " got 'user_99999_other'*"
        ]
    )


def test_answer_breaking_the_contract_fails_naming_operation_status_and_path(project):
    # The served answer stays as it is; the contract now demands another fingerprint format.
    replace_in(
        project.path / "fixtures/contracts/key-service.openapi.json",
        '"pattern": "^SHA256:[A-Za-z0-9+/=]+$"',
        '"pattern": "^MD5:[a-f0-9]+$"',
    )
    result = project.runpytest_subprocess(FEATURE, "--layer", "api")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*contract violation in [[]api[]] key-service registerKey*",
            "*status 201: $.fingerprint: * does not match '^MD5:[[]a-f0-9[]]+$'*",
        ]
    )


def test_unknown_constant_fails_collection_with_file_and_line(project):
    replace_in(
        project.path / FEATURE, "for ${ROOT_ENTITY_ID} with key-service", "for ${ROOT_ENTTY_ID} with key-service"
    )
    result = project.runpytest_subprocess("features/")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [f"{FEATURE}:11: unknown constant ${{ROOT_ENTTY_ID}} — did you mean ${{ROOT_ENTITY_ID}}?*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_malformed_feature_fails_collection_with_file_and_line(project):
    replace_in(project.path / FEATURE, "  @smoke\n  Scenario:", "  @smoke\n  Scenari:")
    result = project.runpytest_subprocess("features/")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"{FEATURE}:8: malformed feature file:*"])


def test_unknown_tag_fails_collection(project):
    replace_in(project.path / FEATURE, "  @smoke\n", "  @smoek\n")
    result = project.runpytest_subprocess("features/")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"{FEATURE}:8: scenario 'A user logs in*'smoek' not found in `markers`*"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_enver_is_one_clear_error(project, monkeypatch):
    url = f"http://127.0.0.1:{_free_port()}/identity"
    monkeypatch.setenv("ODMD_IDENTITY_BASE_URL", url)
    result = project.runpytest_subprocess("features/", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str()
    assert out.count("is unreachable") == 1
    assert f"identity-service at {url} (env ODMD_IDENTITY_BASE_URL): ConnectError" in out


def test_deployed_enver_without_credentials_says_what_to_do(project):
    result = project.runpytest_subprocess("features/", "--enver", "mock", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        [
            "*enver 'mock' (b..mock) is resolved through /odmd-share (SSM at the AWS default endpoint, region *), "
            "but the standard "
            "AWS credential chain has no credentials*ODMD_IDENTITY_BASE_URL, ODMD_KEY_BASE_URL, "
            "* or --base-urls FILE*"
        ]
    )


class _ForeignIdentityService(http.server.BaseHTTPRequestHandler):
    """A stand-alone identity-service written without odmd-bdd: only /auth/login."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/id/auth/login" and body.get("temp_token") == "mock_temp_token_12345":
            status, answer = (
                200,
                {
                    "user_id": "user_12345_system",
                    "session_token": "mock_auth_jwt_token_for_testing",
                    "refresh_token": "r",
                    "expires_in": 60,
                },
            )
        else:
            status, answer = 401, {"error": "invalid_temp_token", "message": "nope"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def foreign_identity_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForeignIdentityService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/id"
    server.shutdown()
    server.server_close()


def test_explicit_base_urls_work_against_any_server(project, foreign_identity_service):
    (project.path / "urls.yaml").write_text(f"base_urls:\n  identity-service: {foreign_identity_service}\n")
    result = project.runpytest_subprocess(
        "features/", "--base-urls", "urls.yaml", "--layer", "api", "-k", "wrong_temporary_token or tampered", "-v"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"identity-service.base_url: {foreign_identity_service}",
            "identity-service.base_url_source: file urls.yaml",
            "key-service.base_url_source: share (embedded)",
        ]
    )


def test_mock_only_scenarios_refuse_a_main_enver(project):
    result = project.runpytest_subprocess("features/", "--enver", "main")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*refusing to run * @mock-only scenario(s) against enver 'main' (b..main)*--allow-main*"]
    )
    assert "passed" not in result.stdout.str()
    # With the guard lifted, the run goes on to resolve the enver (which has no addresses here).
    lifted = project.runpytest_subprocess("features/", "--enver", "main", "--allow-main")
    lifted.stdout.fnmatch_lines(["*enver 'main' (b..main) is resolved through /odmd-share*no credentials*"])


def test_tags_with_a_colon_become_markers(project):
    replace_in(project.path / FEATURE, "  @smoke\n", "  @smoke @phase:0b\n")
    result = project.runpytest_subprocess("features/", "-m", "phase-0b", "--layer", "api", "--co", "-q")
    result.stdout.fnmatch_lines(
        ["*test_a_user_logs_in_registers_the_root_key_and_creates_the_root_entity[[]api[]]", "*1/* tests collected*"]
    )


def test_features_pass_unchanged_through_the_bdd_state_machine(project):
    result = project.runpytest_subprocess("features/", "--layer", "api", "--transport", "sfn", "-v", timeout=300)
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes.get("failed", 0) == 0 and outcomes["passed"] >= 22
    result.stdout.fnmatch_lines(["bdd_state_machine_arn: arn:aws:states:*:stateMachine:odmd-bdd-exchange"])
    attachments = [p.read_text() for p in (project.path / "reports/allure-results").glob("*-attachment.json")]
    exchanges = [a for a in attachments if '"transport":' in a]
    assert exchanges and all('"transport": "sfn"' in a for a in exchanges)


def test_a_run_stopped_by_a_bad_dataset_rewrites_the_reports_with_the_reason(project):
    reports = project.path / "reports"
    (reports / "allure-results").mkdir(parents=True)
    (reports / "junit.xml").write_text('<testsuites><testcase name="last_run_green"/></testsuites>')
    (reports / "allure-results" / "old-result.json").write_text("{}")
    dataset = project.path / "fixtures" / "dataset" / "master-mock-dataset.yaml"
    dataset.write_text(dataset.read_text(encoding="utf-8").replace("constants:", "constants: [", 1), encoding="utf-8")

    result = project.runpytest_subprocess("features/", "--layer", "api")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    junit = (reports / "junit.xml").read_text(encoding="utf-8")
    assert "last_run_green" not in junit and "odmd-bdd run stopped before any scenario ran" in junit
    assert "master-mock-dataset.yaml:" in junit and "invalid YAML" in junit  # file:line of the bad line
    said = [line for line in result.outlines + result.errlines if "invalid YAML" in line]
    assert len(said) == 1, said
    [result_file] = list((reports / "allure-results").glob("*-result.json"))
    stopped = json.loads(result_file.read_text(encoding="utf-8"))
    assert stopped["status"] == "broken" and "invalid YAML" in stopped["statusDetails"]["message"]


def test_a_gui_run_stopped_midway_says_why_in_junit_and_allure(project, monkeypatch):
    """The browser cannot start: the GUI layer stops the run; junit.xml keeps what ran, has no
    empty test case, and names why the run stopped; Allure says the same."""
    reports = project.path / "reports"
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chrome")
    result = project.runpytest_subprocess(FEATURE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert all(case.get("name") for case in cases), "an empty test case is left in junit.xml"
    stopped = [case for case in cases if case.get("name") == "odmd-bdd run stopped"]
    assert len(stopped) == 1 and "CHROMIUM_PATH=/nonexistent/chrome" in stopped[0].find("error").get("message")
    assert int(suite.get("tests")) == len(cases)
    results = [json.loads(f.read_text()) for f in (reports / "allure-results").glob("*-result.json")]
    assert [r["statusDetails"]["message"] for r in results if r["name"] == "odmd-bdd run stopped"] == [
        stopped[0].find("error").get("message")
    ]


def test_a_missing_constellation_is_said_once_for_the_run(project):
    (project.path / "fixtures" / "envers" / "constellation.yaml").unlink()
    result = project.runpytest_subprocess("features/")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    said = [line for line in result.outlines + result.errlines if "no constellation file at" in line]
    assert len(said) == 1, said
    junit = (project.path / "reports" / "junit.xml").read_text(encoding="utf-8")
    assert "odmd-bdd run stopped before any scenario ran" in junit and "no constellation file at" in junit


def test_a_step_line_outside_any_scenario_stops_collection_with_its_line(project):
    path = project.path / "features" / "uc1_authentication_key_entity.feature"
    replace_in(
        path,
        "constant of the master mock dataset.\n",
        "constant of the master mock dataset.\n  Then the request succeeds\n",
    )
    result = project.runpytest_subprocess("features/uc1_authentication_key_entity.feature", "--layer", "api")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["*features/uc1_authentication_key_entity.feature:6: 'Then the request succeeds' is outside any scenario*"]
    )


def test_an_outline_placeholder_without_an_examples_column_stops_collection_with_its_line(project):
    path = project.path / "features" / "uc1_authentication_key_entity.feature"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    with path.open("a", encoding="utf-8") as feature:
        feature.write(
            "\n  Scenario Outline: planted\n"
            "    Given the user is logged in to <service>\n\n"
            "    Examples:\n      | other |\n      | x     |\n"
        )
    result = project.runpytest_subprocess("features/uc1_authentication_key_entity.feature", "--layer", "api")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    step_line, table_line = lines + 3, lines + 5
    result.stdout.fnmatch_lines(
        [
            f"*features/uc1_authentication_key_entity.feature:{step_line}: <service> has no column in the "
            f"Examples table at line {table_line} (columns: other)*"
        ]
    )


def test_each_run_starts_with_an_empty_reports_traces(project):
    old = project.path / "reports" / "traces" / "an_earlier_run" / "trace.zip"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"PK")
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature", "--layer", "api", "-k", "refreshes"
    )
    result.assert_outcomes(passed=1)
    assert not old.parent.exists()
