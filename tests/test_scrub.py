"""Secrets scrubbed out of archives (Playwright traces): text, network-log headers, binary members."""

from __future__ import annotations

import json
import zipfile

from odmd_bdd.redaction import MASK, Redactor
from odmd_bdd.reporting.scrub import scrub_zip

SECRET = "mock_auth_jwt_token_for_testing"


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_every_member_of_an_archive_loses_its_secrets(tmp_path):
    trace = tmp_path / "trace.zip"
    action = json.dumps({"type": "action", "method": "fill", "params": {"value": SECRET}})
    network = json.dumps(
        {
            "request": {
                "headers": [
                    {"name": "Cookie", "value": "sid=abc123456"},
                    {"name": "Authorization", "value": "Bearer eyJhbGciOi.unknown.token"},
                    {"name": "Accept", "value": "application/json"},
                ]
            }
        }
    )
    _zip(
        trace,
        {
            "trace.trace": action.encode(),
            "trace.network": network.encode(),
            "resources/page.html": f"<td data-testid='answer-field-session_token'>{SECRET}</td>".encode(),
            "resources/blob.bin": b"\xff\xfe\x00" + SECRET.encode() + b"\x00\xff",
        },
    )

    scrub_zip(trace, Redactor({SECRET}))

    with zipfile.ZipFile(trace) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert sorted(members) == ["resources/blob.bin", "resources/page.html", "trace.network", "trace.trace"]
    everything = b"".join(members.values())
    for secret in (SECRET, "sid=abc123456", "eyJhbGciOi.unknown.token"):
        assert secret.encode() not in everything, secret
    assert json.loads(members["trace.trace"])["params"]["value"] == MASK
    headers = json.loads(members["trace.network"])["request"]["headers"]
    assert headers[0] == {"name": "Cookie", "value": MASK}
    assert headers[2] == {"name": "Accept", "value": "application/json"}  # nothing else is touched
    assert members["resources/blob.bin"].startswith(b"\xff\xfe\x00" + MASK.encode())
    assert not (tmp_path / "trace.zip.part").exists()


def test_a_token_seen_in_a_credential_field_is_masked_wherever_it_shows_up_later():
    redactor = Redactor()
    issued = "tok_issued_at_runtime_0042"
    assert redactor.json({"session": {"session_token": issued}}) == {"session": {"session_token": MASK}}
    assert redactor.text(f"the page shows {issued}") == f"the page shows {MASK}"
    redactor.headers({"Cookie": "sid=runtime_cookie_77"})
    assert redactor.text("sid=runtime_cookie_77") == MASK
