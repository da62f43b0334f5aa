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
