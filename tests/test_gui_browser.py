"""Browser provisioning: the discovery order, the one error when there is no Chromium, a real launch.

Discovery is steered through the environment it reads (CHROMIUM_PATH, PATH) and stand-in
executables in a temporary directory; Playwright is never mocked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from odmd_bdd.gui.browser import (
    LAUNCH_ARGS,
    BrowserLaunchError,
    BrowserNotFound,
    GuiBrowser,
    LaunchOptions,
    find_chromium,
    fix_command,
)


def executable(path: Path, body: str = "exit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    return tmp_path / "bin"


def test_chromium_path_wins_over_path_and_playwright(tmp_path, bin_dir):
    mine = executable(tmp_path / "mine" / "chrome")
    executable(bin_dir / "chromium")
    found = find_chromium({"CHROMIUM_PATH": str(mine), "PATH": str(bin_dir)}, managed=str(mine), install=False)
    assert (found.path, found.source) == (str(mine), "$CHROMIUM_PATH")


def test_a_chromium_path_that_is_not_executable_is_the_error_not_skipped(tmp_path, bin_dir):
    executable(bin_dir / "chromium")
    with pytest.raises(BrowserNotFound, match=r"CHROMIUM_PATH=.*/nope is not an executable file"):
        find_chromium({"CHROMIUM_PATH": str(tmp_path / "nope"), "PATH": str(bin_dir)}, install=False)


@pytest.mark.parametrize(
    "present, chosen",
    [
        (("chromium", "chromium-browser", "google-chrome"), "chromium"),
        (("chromium-browser", "google-chrome"), "chromium-browser"),
        (("google-chrome",), "google-chrome"),
    ],
)
def test_path_names_are_tried_in_order(bin_dir, present, chosen):
    for name in present:
        executable(bin_dir / name)
    found = find_chromium({"PATH": str(bin_dir)}, managed=None, install=False)
    assert found.path == str(bin_dir / chosen) and found.source == f"PATH ({chosen})"


def test_an_installed_chromium_wins_over_playwrights_own(tmp_path, bin_dir):
    executable(bin_dir / "chromium")
    managed = executable(tmp_path / "ms-playwright" / "chrome")
    assert find_chromium({"PATH": str(bin_dir)}, managed=str(managed), install=False).source == "PATH (chromium)"


def test_playwrights_own_browser_is_used_when_nothing_is_installed(tmp_path, bin_dir):
    bin_dir.mkdir()
    managed = executable(tmp_path / "ms-playwright" / "chrome")
    found = find_chromium({"PATH": str(bin_dir)}, managed=str(managed), install=False)
    assert (found.path, found.source) == (str(managed), "playwright")


def test_no_browser_at_all_is_one_error_with_the_command_that_fixes_it(tmp_path, bin_dir):
    bin_dir.mkdir()
    with pytest.raises(BrowserNotFound) as caught:
        find_chromium({"PATH": str(bin_dir)}, managed=str(tmp_path / "absent" / "chrome"))
    message = str(caught.value)
    assert "the GUI layer needs Chromium and none was found" in message
    assert f"    {fix_command()}\n" in message and "apt-get install -y chromium" in message
    assert "CHROMIUM_PATH" in message and "--layer api" in message
    assert "not installed" in message  # says where it looked


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the apt-get step runs only as root")
def test_as_root_apt_get_installs_chromium_and_discovery_looks_again(bin_dir):
    # A stand-in apt-get on PATH that "installs" a chromium next to itself, as the real one would.
    executable(
        bin_dir / "apt-get",
        f'echo "$@" >> "{bin_dir}/apt.log"\n'
        f'[ "$1" = install ] && printf "#!/bin/sh\\nexit 0\\n" > "{bin_dir}/chromium" '
        f'&& /bin/chmod +x "{bin_dir}/chromium"\nexit 0\n',
    )
    found = find_chromium({"PATH": str(bin_dir)}, managed=None)
    assert (found.path, found.source) == (str(bin_dir / "chromium"), "apt-get")
    assert (bin_dir / "apt.log").read_text().splitlines() == ["install -y chromium"]


def test_a_failing_apt_get_is_named_in_the_error_and_not_suggested_again(bin_dir):
    executable(bin_dir / "apt-get", 'echo "E: Unable to locate package chromium" >&2\nexit 100\n')
    with pytest.raises(
        BrowserNotFound, match=r"(?s)apt-get install -y chromium \(failed: E: Unable to locate"
    ) as caught:
        find_chromium({"PATH": str(bin_dir)}, managed=None, install=True)
    message = str(caught.value)
    assert "Install it with" not in message  # the command that just failed is not the advice
    assert "check that apt-get can reach its package sources" in message and "CHROMIUM_PATH" in message
    assert "pytest features/ --layer api" in message


def test_odmd_bdd_browser_says_what_is_missing_without_a_traceback(bin_dir, monkeypatch, capsys):
    from odmd_bdd.tools.cli import main

    bin_dir.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(bin_dir / "none"))
    assert main(["browser", "--no-install"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("odmd-bdd: the GUI layer needs Chromium and none was found")
    assert "Traceback" not in err


def test_the_installed_chromium_launches_headless_with_the_harness_flags(tmp_path):
    # Debian's /usr/bin/chromium is a shell wrapper: Playwright's executable_path must take it.
    with GuiBrowser() as browser:
        assert browser.found is not None and os.path.exists(browser.found.path)
        context = browser.new_context()
        page = context.new_page()
        page.set_content("<p data-testid='x'>ok</p>")
        assert page.get_by_test_id("x").text_content() == "ok"
        context.close()
    assert "--no-sandbox" in LAUNCH_ARGS and "--disable-quic" in LAUNCH_ARGS


def test_headed_without_a_display_says_so(monkeypatch):
    with pytest.raises(BrowserLaunchError, match=r"--headed needs a display, but \$DISPLAY is not set"):
        GuiBrowser(LaunchOptions(headed=True), environ={"PATH": os.environ.get("PATH", "")}).launch()


def test_pytest_headed_without_a_display_is_a_usage_error(project, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = project.runpytest_subprocess("features/", "--headed", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--headed needs a display, but $DISPLAY is not set*"])


def test_pytest_without_any_browser_stops_with_the_one_message(project, monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no chromium, and no apt-get to install one
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-playwright-browsers"))
    result = project.runpytest_subprocess("features/uc1_authentication_key_entity.feature", "--layer", "gui")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str()
    assert "odmd-bdd: the GUI layer needs Chromium and none was found. Install it with:" in out
    assert fix_command() in out
    assert "Traceback" not in out
