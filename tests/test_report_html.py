"""The HTML report as a person reads it (issue #17): a real run with one planted failure, rendered
by Allure 3 (node_modules, `make node-setup`) and read from the page in headless Chromium."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from odmd_bdd.tools.report_view import ReportPage, allure_binary, generate, planted_run

SCENARIO = "A user logs in, registers the root key and creates the root entity"


def test_the_html_report_of_a_run_with_one_failure_reads_like_the_feature(project, browser):
    if not allure_binary(ROOT).exists():
        pytest.skip("Allure 3 is not installed in node_modules/: run `make node-setup` (make test does)")
    shutil.copy(ROOT / "allurerc.yaml", project.path / "allurerc.yaml")
    (project.path / "node_modules").symlink_to(ROOT / "node_modules")
    run = planted_run(project.path, project.path / "work", "--layer", "api", color=False)
    assert run.returncode == 1, run.terminal
    assert "1 failed" in run.terminal, run.terminal
    index = generate(project.path, run.results, project.path / "work" / "allure-report")
    assert "googletagmanager" not in index.read_text()  # settled (reporting.html_report): no call out

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        report = ReportPage(context.new_page(), index)
        # The layer is in the test's name.
        assert f"{SCENARIO} [api]" in report.test_names()
        report.open_test(f"{SCENARIO} [api]")
        assert report.title() == f"{SCENARIO} [api]"
        # The failure's message: the harness's, with the JSON path and what was wrong.
        message = report.error_message()
        assert "contract violation in [api] key-service registerKey" in message
        assert "$.fingerprint: 12345 is not of type 'string'" in message
        # A step shows its ${NAME} with the value.
        step = report.open_step("When the user registers the root public key")
        assert "${ROOT_ENTITY_ID}" in step and "550e8400-e29b-41d4-a716-446655440001" in step
        # A passing Then step shows what it compared: expected and actual, secrets masked.
        then = report.open_step("Then a session is opened for")
        assert "compared: expected vs actual — all equal" in then
        assert "expected ${USER_ID} = 'user_12345_system'" in then and "actual   'user_12345_system'" in then
        assert "mock_auth_jwt_token_for_testing" not in then and "***redacted***" in then
    finally:
        context.close()


# What Allure 3 (plugin-awesome 3.18) writes around its app script, in short.
ALLURE_PAGE = """<!DOCTYPE html>
<html><head>
    <script>
      window.allureReportOptions = {}
    </script>
</head>
<body>
    <script src="data:text/javascript;base64,AAAA"></script>
    <script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('config', 'G-LNDJ3J7WT0', {"single_file": "true"});
    </script>
    <script async>
      window.allureReportDataReady = false;
      window.allureReportData = window.allureReportData || {};
    </script>
</body>
</html>
"""


def test_a_settled_report_stores_its_data_before_the_app_and_calls_no_one(tmp_path):
    """reporting.html_report: the data store exists before the app's script runs (else the app,
    started before the inline data on a slow parse, fetches widgets/*.json, which file:// refuses:
    the report showed no test), and Google Tag Manager is not loaded. Settling twice changes nothing."""
    from odmd_bdd.reporting.html_report import STORE, settle

    index = tmp_path / "index.html"
    index.write_text(ALLURE_PAGE)
    settle(index)
    once = index.read_text()
    assert "googletagmanager" not in once and "gtag(" not in once
    assert once.index(STORE) < once.index('<script src="data:text/javascript')
    assert "window.allureReportDataReady = false" in once  # Allure's own data scripts are kept
    settle(index)
    assert index.read_text() == once
