"""The engine's httpx clients share one TLS context (odmd_bdd/tls.py): httpx would load
certifi's CA bundle for each new client (20-30 ms), and a run makes several."""

from __future__ import annotations

import ssl

import certifi

from odmd_bdd import tls
from odmd_bdd.resolution.envers import probe_client
from odmd_bdd.transports.http import HttpTransport


def test_clients_load_the_ca_bundle_once(monkeypatch):
    tls.context.cache_clear()
    loaded: list[object] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):
        loaded.append(kwargs.get("cafile") or (args[0] if args else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    transports = [HttpTransport(), HttpTransport()]
    probes = [probe_client(), probe_client()]
    try:
        assert loaded == [certifi.where()]  # httpx's default bundle, read once
        context = tls.context()
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # verification as httpx's
    finally:
        for transport in transports:
            transport.close()
        for probe in probes:
            probe.close()


def test_a_client_of_plain_http_addresses_only_loads_no_ca_bundle_and_trusts_nothing(monkeypatch):
    """The embedded enver's clients speak plain HTTP to 127.0.0.1: no CA bundle is read for them,
    and their context fails any TLS handshake closed (verification on, nothing trusted)."""
    tls.context.cache_clear()
    loaded: list[object] = []
    original = ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(
        ssl.SSLContext, "load_verify_locations", lambda self, *a, **k: loaded.append(a or k) or original(self, *a, **k)
    )
    plain = HttpTransport(base_urls=["http://127.0.0.1:8001", "HTTP://localhost:8002"])
    try:
        assert loaded == []
        context = tls.context_for("http://127.0.0.1:8001")
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] == 0
        assert tls.context_for("http://127.0.0.1:8001", "https://api.example.test") is tls.context()
        assert tls.context_for() is tls.context()  # addresses unknown: they may be TLS
        assert len(loaded) == 1 and certifi.where() in str(loaded[0])  # only for a client that may meet TLS
    finally:
        plain.close()
