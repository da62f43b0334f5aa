"""The transport seam: one factory picks http or sfn, one function builds the harness's headers."""

from __future__ import annotations

import ssl
import types

from odmd_bdd import tls
from odmd_bdd.transports import RUN_HEADER, HttpTransport, SfnTransport, Transport, call_headers, make_transport


def _enver(transport: str, *base_urls: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        spec=types.SimpleNamespace(transport=transport),
        aws_client=lambda service: f"<{service} client>",
        state_machine_arn="arn:aws:states:eu-west-1:000000000000:stateMachine:bdd",
        services={f"svc{i}": types.SimpleNamespace(base_url=url) for i, url in enumerate(base_urls)},
    )


def test_the_factory_picks_the_enver_transport_with_its_bounds():
    http = make_transport(_enver("http", "http://127.0.0.1:1"), http_timeout=4.0, sfn_deadline=9.0)  # type: ignore[arg-type]
    try:
        assert isinstance(http, HttpTransport) and http.timeout == 4.0
    finally:
        http.close()
    sfn = make_transport(_enver("sfn"), http_timeout=4.0, sfn_deadline=9.0)  # type: ignore[arg-type]
    assert isinstance(sfn, SfnTransport) and sfn.deadline_s == 9.0 and sfn.sfn == "<stepfunctions client>"
    transports: list[Transport] = [http, sfn]  # both satisfy the protocol
    assert [t.name for t in transports] == ["http", "sfn"]


def test_call_headers_carry_the_run_and_the_bearer_token():
    assert call_headers("run-1") == {RUN_HEADER: "run-1"}
    assert call_headers("run-1", "tok") == {RUN_HEADER: "run-1", "Authorization": "Bearer tok"}
    assert call_headers(None, "tok") == {"Authorization": "Bearer tok"}


def test_the_factory_loads_the_ca_bundle_only_for_an_enver_with_a_tls_service(monkeypatch):
    """An embedded enver's services are all http://127.0.0.1: its transport reads no CA bundle (tls.py)."""
    tls.context.cache_clear()
    loaded: list[object] = []
    original = ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(
        ssl.SSLContext, "load_verify_locations", lambda self, *a, **k: loaded.append(a or k) or original(self, *a, **k)
    )
    plain = make_transport(_enver("http", "http://127.0.0.1:1", "http://127.0.0.1:2"))  # type: ignore[arg-type]
    plain.close()
    assert loaded == []
    deployed = make_transport(_enver("http", "http://127.0.0.1:1", "https://api.example.test"))  # type: ignore[arg-type]
    deployed.close()
    assert len(loaded) == 1
