"""Start-up imports only what a run uses: an API-layer run never imports Playwright, and
collecting the features imports no browser, no AWS SDK or moto, and no web server."""

from __future__ import annotations

import json

import pytest

UC1 = "features/uc1_authentication_key_entity.feature"
HEAVY = ("playwright", "moto", "boto3", "botocore", "uvicorn", "starlette")
PROBE = f"""

def pytest_sessionfinish(session):  # added by tests/test_lazy_imports.py
    import json, sys
    from pathlib import Path

    loaded = {{name: name in sys.modules for name in {HEAVY!r}}}
    Path(session.config.rootpath, "modules.json").write_text(json.dumps(loaded))
"""


@pytest.fixture
def probed(project: pytest.Pytester) -> pytest.Pytester:
    with open(project.path / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(PROBE)
    return project


def _loaded(project: pytest.Pytester) -> dict[str, bool]:
    return json.loads((project.path / "modules.json").read_text())


def test_an_api_layer_run_never_imports_playwright(probed):
    result = probed.runpytest_subprocess(UC1, "--layer", "api", "--fresh-enver")
    result.assert_outcomes(passed=7)
    loaded = _loaded(probed)
    assert loaded["playwright"] is False, loaded
    assert loaded["moto"] is True  # the probe sees what the run imported: it started its embedded AWS


def test_collecting_the_features_imports_no_browser_aws_or_web_server(probed):
    result = probed.runpytest_subprocess("features/", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert _loaded(probed) == dict.fromkeys(HEAVY, False)
