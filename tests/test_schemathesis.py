"""Security/robustness: the embedded enver's request validation survives schemathesis.

schemathesis generates valid, boundary and invalid requests from each service's own OpenAPI
artifact (coverage + fuzzing phases) against the real server on 127.0.0.1; no answer may
be a 5xx. Each service is fuzzed in its own schemathesis process, all at once.
"""

import shutil
import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


def test_no_request_generated_from_the_artifacts_gets_a_server_error(local_enver, reference_constellation, tmp_path):
    assert SCHEMATHESIS, "schemathesis is a dev dependency: pip install -e '.[dev]' (make setup does)"
    token = reference_constellation.dataset.constants["AUTH_JWT_TOKEN"]
    runs = {}
    for name, spec in reference_constellation.services.items():
        openapi = spec.contract_path.parent / f"{name}.openapi.json"
        runs[name] = subprocess.Popen(
            [
                SCHEMATHESIS,
                "run",
                str(openapi),
                "-u",
                local_enver.base_urls[name],
                "--checks",
                "not_a_server_error",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "15",
                "--phases",
                "coverage,fuzzing",
                "--seed",
                "1",
                "--no-color",
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    failed = {}
    for name, proc in runs.items():
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0 or " passed" not in out:
            failed[name] = out[-2000:]
    assert not failed, failed
