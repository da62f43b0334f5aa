import json
import signal
import subprocess
import sys

import httpx

from conftest import CONSTELLATION_FILE, ROOT


def test_local_enver_command_serves_until_terminated(tmp_path):
    state = tmp_path / ".odmd" / "enver.json"  # its state file, for runs to reuse it (not the checkout's)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odmd_bdd.tools.cli",
            "local-enver",
            "--constellation",
            str(CONSTELLATION_FILE),
            "--project",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # blocks until the server is up (it prints after start)
        assert first.startswith("odmd-bdd embedded enver"), first + proc.stderr.read()
        url = first.rsplit(" on ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        lines = []
        while not lines or not lines[-1].startswith("Ctrl-C"):
            lines.append(proc.stdout.readline())
        assert any("identity-service" in line for line in lines)
        r = httpx.post(f"{url}/identity-service/auth/login", json={"temp_token": "x"}, trust_env=False)
        assert r.status_code == 401
        # It published itself: the base URL is readable through /odmd-share in its embedded AWS.
        aws = next(line for line in lines if "embedded AWS" in line).split()[2]
        from odmd_bdd.aws import isolated_session

        ssm = isolated_session().client("ssm", endpoint_url=aws)
        value = ssm.get_parameter(Name="/odmd-share/identity-service/b..mock/identityApiBaseUrl")["Parameter"]["Value"]
        assert value == f"{url}/identity-service"
        assert json.loads(state.read_text())["url"] == url
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert not state.exists()  # it removed its state file as it stopped


def test_bad_constellation_is_one_line_on_stderr(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("services: [unclosed\n")
    proc = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "local-enver", "--constellation", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"odmd-bdd: {bad}:") and "invalid YAML" in proc.stderr
    assert "Traceback" not in proc.stderr
