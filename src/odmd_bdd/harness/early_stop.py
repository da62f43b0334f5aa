"""Reports that tell the truth when a run stops before its scenarios: the reason, not last run's results.

pytest writes `--junitxml` and allure-pytest-bdd writes `--alluredir` only when a session
finishes; a run stopped by a bad dataset or a missing constellation left the previous run's
files in place, green. `record_stop` replaces both with one entry naming why the run stopped;
a run stopped midway (`record_abort`) keeps what ran and adds that entry.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

NAME = "odmd-bdd run stopped before any scenario ran"
ABORTED = "odmd-bdd run stopped"
STOPPED: pytest.StashKey[str] = pytest.StashKey()


def watch(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("odmd-bdd-abort-recorder"):
        config.pluginmanager.register(AbortRecorder(config), "odmd-bdd-abort-recorder")


class AbortRecorder:
    """A plugin of its own (pytest_keyboard_interrupt is not given the config): notes why a
    run was stopped midway (pytest.exit in a fixture, Ctrl-C) and rewrites the reports."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.config.stash[STOPPED] = str(getattr(excinfo.value, "msg", None) or excinfo.exconly())

    @pytest.hookimpl(trylast=True)  # after the junit plugin wrote its file
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        record_abort(config)


def record_abort(config: pytest.Config) -> None:
    """After a run stopped midway: junit.xml keeps the scenarios that ran, loses pytest's empty
    test case, and gains one naming why the run stopped; Allure gets the same entry. Runs after
    the junit plugin has written its file."""
    reason = config.stash.get(STOPPED, None)
    if reason is None or hasattr(config, "workerinput"):
        return
    junit = getattr(config.option, "xmlpath", None)
    path = None if not junit else (config.rootpath / junit if not Path(junit).is_absolute() else Path(junit))
    if path is not None and path.exists():
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            tree = None
        if tree is not None:
            for suite in tree.getroot().iter("testsuite"):
                for case in [c for c in suite.findall("testcase") if not c.get("name")]:
                    suite.remove(case)
                stopped = ET.SubElement(suite, "testcase", classname="odmd-bdd", name=ABORTED)
                ET.SubElement(stopped, "error", message=reason).text = reason
                suite.set("tests", str(len(suite.findall("testcase"))))
                suite.set("errors", str(int(suite.get("errors", "0")) + 1))
                break
            tree.write(path, encoding="utf-8", xml_declaration=True)
    _allure_result(config, ABORTED, reason, clean=False)


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
    _allure_result(config, NAME, reason, clean=bool(getattr(config.option, "clean_alluredir", False)))


def _allure_result(config: pytest.Config, name: str, reason: str, clean: bool) -> None:
    alluredir = getattr(config.option, "allure_report_dir", None)
    if alluredir:
        root = config.rootpath
        folder = root / alluredir if not Path(alluredir).is_absolute() else Path(alluredir)
        if clean:
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        now = int(time.time() * 1000)
        result = {
            "uuid": str(uuid.uuid4()),
            "historyId": "odmd-bdd-run-stopped",
            "name": name,
            "fullName": name,
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
