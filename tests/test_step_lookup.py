"""The remembered step lookup (odmd_bdd/harness/step_lookup.py) still honours where a test lives: a
step redefined in a deeper conftest wins there, and only there."""

from __future__ import annotations

import shutil
import sys

from odmd_bdd.harness import step_lookup

OVERRIDE = """
from pytest_bdd import given


@given("the user is logged in to identity-service")
def overridden_login():
    raise AssertionError("the override in features/override/conftest.py ran")
"""


def test_the_lookup_is_wrapped_once_and_keeps_pytest_bdds_function():
    assert step_lookup.install() and step_lookup.install()
    wrapped = sys.modules["pytest_bdd.scenario"].find_fixturedefs_for_step
    assert wrapped.odmd_cached and not getattr(wrapped.__wrapped__, "odmd_cached", False)


def test_a_step_redefined_in_a_deeper_conftest_wins_there_and_only_there(project):
    feature = "uc1_authentication_key_entity.feature"
    (project.path / "features" / "override").mkdir()
    shutil.copy(project.path / "features" / feature, project.path / "features" / "override" / feature)
    (project.path / "features" / "override" / "conftest.py").write_text(OVERRIDE)
    result = project.runpytest_subprocess(
        f"features/{feature}",
        f"features/override/{feature}",
        "--layer",
        "api",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfE",
    )
    outcomes = result.parseoutcomes()
    # Four of UC1's seven scenarios use that step: they fail in override/, and only there.
    assert (outcomes.get("failed"), outcomes.get("passed")) == (4, 10), result.stdout.str()[-3000:]
    failed = [line for line in result.outlines if line.startswith("FAILED")]
    assert failed and all("features/override/" in line for line in failed)
    assert "the override in features/override/conftest.py ran" in result.stdout.str()
