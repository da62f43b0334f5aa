"""Reports that tell the truth when a run stops before its scenarios: the reason, not last run's results.

pytest writes `--junitxml` and allure-pytest-bdd writes `--alluredir` only when a session
finishes; a run stopped by a bad dataset or a missing constellation left the previous run's
files in place, green. `record_stop` replaces both with one entry naming why the run stopped.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

NAME = "odmd-bdd run stopped before any scenario ran"


def record_stop(config: pytest.Config, reason: str) -> None:
    """Write `reason` as the run's only JUnit test case and Allure result (where those reports are on)."""
    if hasattr(config, "workerinput"):
        return  # the controller reports for the whole run
    root = config.rootpath
    junit = getattr(config.option, "xmlpath", None)
    if junit:
        path = root / junit if not Path(junit).is_absolute() else Path(junit)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<testsuites><testsuite name="odmd-bdd" errors="1" failures="0" skipped="0" tests="1">'
            f'<testcase classname="odmd-bdd" name={quoteattr(NAME)}>'
            f"<error message={quoteattr(reason)}>{_text(reason)}</error>"
            "</testcase></testsuite></testsuites>\n",
            encoding="utf-8",
        )
    alluredir = getattr(config.option, "allure_report_dir", None)
    if alluredir:
        folder = root / alluredir if not Path(alluredir).is_absolute() else Path(alluredir)
        if getattr(config.option, "clean_alluredir", False):
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        now = int(time.time() * 1000)
        result = {
            "uuid": str(uuid.uuid4()),
            "historyId": "odmd-bdd-run-stopped",
            "name": NAME,
            "fullName": NAME,
            "status": "broken",
            "statusDetails": {"message": reason},
            "stage": "finished",
            "start": now,
            "stop": now,
            "labels": [{"name": "suite", "value": "odmd-bdd"}],
        }
        (folder / f"{result['uuid']}-result.json").write_text(json.dumps(result), encoding="utf-8")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
