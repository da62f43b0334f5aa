"""One TLS context for every httpx client the engine makes.

httpx builds a new `ssl.SSLContext` for each `Client`, loading certifi's CA bundle (20-30 ms,
more on a loaded machine), even for a client that only ever speaks plain HTTP to 127.0.0.1; a
run made several (the warm enver's probe, the reachability probe, the transport, the embedded
AWS's readiness and configuration …). Every client of the engine is `trust_env=False`, so its
context is httpx's default without the environment (certifi's bundle, SSL_CERT_FILE/DIR not
read): this is that context, made once and shared (a context is safe to share between clients
and threads; the clients never change it).
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context(trust_env=False)


@functools.cache
def _trusts_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verification on, no CA loaded: every handshake fails


def context_for(*urls: str) -> ssl.SSLContext:
    """The context for a client of these addresses: `context()` if any may be TLS, else one that
    trusts nothing (plain HTTP only)."""
    if urls and all(url.lower().startswith("http://") for url in urls):
        return _trusts_nothing()
    return context()
