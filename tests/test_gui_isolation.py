"""GUI scenarios share a browser context (--gui-isolation reset, the default) yet nothing of one
is visible to the next: storage, cookies (another host's too), IndexedDB, Cache Storage, the HTTP
cache, permissions, pages it opened, in-page JS state, captured traffic, the capture's listeners
and the run header. Real Chromium, real embedded enver, the real GuiSession (no mocks)."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from odmd_bdd.actors import World
from odmd_bdd.gui.session import Contexts, GuiSession
from odmd_bdd.names import RUN_HEADER
from odmd_bdd.resolution.envers import Enver

# Everything a scenario's page can leave behind, planted on the web client's origin.
PLANT = """async () => {
  localStorage.setItem('leak', 'local');
  sessionStorage.setItem('leak', 'session');
  document.cookie = 'leak=cookie; path=/';
  window.__leak = 'js';
  window.name = 'leak';  // the browsing context's name outlives a same-origin navigation
  await new Promise((ok, fail) => {
    const open = indexedDB.open('leakdb', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onsuccess = () => { open.result.close(); ok(); };
    open.onerror = () => fail(open.error);
  });
  await (await caches.open('leak-cache')).put('/leak', new Response('cached'));
}"""
# What the next scenario's page finds.
LOOK = """async () => ({
  local: localStorage.getItem('leak'),
  session: sessionStorage.getItem('leak'),
  cookie: document.cookie,
  js: window.__leak ?? null,
  name: window.name,
  idb: (await indexedDB.databases()).map(d => d.name),
  caches: await caches.keys(),
})"""
NOTHING = {"local": None, "session": None, "cookie": "", "js": None, "name": "", "idb": [], "caches": []}
FETCH = "url => fetch(url, {method: 'GET'}).then(r => r.status)"


def _scenario(contexts: Contexts, embedded_view: Enver, url: str) -> tuple[GuiSession, World]:
    world = World()
    return GuiSession(contexts.browser, embedded_view, url, world.run_id, 10.0, contexts=contexts).open(), world


def _jwks(embedded_view: Enver) -> str:
    return embedded_view.services["jwks-service"].base_url + "/jwks/isolation-probe"  # any answer will do


@pytest.mark.parametrize("isolation", ["reset", "context"])
def test_nothing_of_one_scenario_is_visible_to_the_next(browser, embedded_view, local_enver, isolation, tmp_path):
    contexts = Contexts(browser, isolation)
    try:
        first, first_world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        page = first.client.page
        page.evaluate(PLANT)
        assert page.evaluate(LOOK)["js"] == "js"  # the plant took
        # A cookie of a host outside the enver (a login page elsewhere, say): no origin the reset
        # clears by name has it, so only clearing the context's cookies catches it.
        first.context.add_cookies([{"name": "leak", "value": "elsewhere", "url": "http://localhost:9/"}])
        assert page.evaluate(FETCH, _jwks(embedded_view)) > 0
        assert [c.service for c in first.capture.take() if c.service == "jwks-service"] == ["jwks-service"]
        first_context, first_page = first.context, first.page
        first.close()

        second, second_world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        assert (second.context is first_context) == (isolation == "reset")
        assert contexts.made == (1 if isolation == "reset" else 2)
        assert (second.page is first_page) == (isolation == "reset")  # its renderer process too
        assert second.context.cookies() == []
        page = second.client.page
        assert page.evaluate(LOOK) == NOTHING
        # Its capture sees its own traffic only, each request carrying its own run id.
        assert page.evaluate(FETCH, _jwks(embedded_view)) > 0
        captured = [c for c in second.capture.take() if c.service == "jwks-service"]
        assert [c.exchange.request_headers.get(RUN_HEADER.lower()) for c in captured] == [second_world.run_id]
        assert first.capture.take() == []  # the last scenario's capture heard nothing of this one
        # Its trace is its own: kept as evidence, it holds this scenario's actions.
        saved = second.close(tmp_path / "evidence")
        trace = next(p for p in saved if p.name == "trace.zip")
        with zipfile.ZipFile(trace) as kept:
            text = b"".join(kept.read(n) for n in kept.namelist() if n.endswith(".trace")).decode("utf-8", "replace")
        assert second_world.run_id in text and first_world.run_id not in text
    finally:
        contexts.close()


def test_a_reused_context_stays_clean_after_evidence_and_a_page_that_left_its_origin(
    browser, embedded_view, local_enver, tmp_path
):
    """A failed scenario's evidence (screenshot, trace) does not stop the context being reset and
    reused; a page that was on another origin too is replaced (its sessionStorage there goes with it)."""
    contexts = Contexts(browser, "reset")
    services = embedded_view.services["jwks-service"].base_url
    try:
        for round in range(4):
            session, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
            page = session.client.page
            assert page.evaluate(LOOK) == NOTHING, round
            page.evaluate(PLANT)
            if round == 2:  # to the services' origin, leaving state there, and back
                page.goto(services + "/jwks/isolation-probe")
                page.evaluate(
                    "() => { sessionStorage.setItem('leak', 'other origin'); localStorage.setItem('leak', 'x'); }"
                )
                page.goto(local_enver.web_client_url)
            session.close(tmp_path / f"evidence-{round}" if round == 1 else None)
        assert contexts.made == 1
        assert contexts.pages_made == 2  # the page that visited two origins was replaced
        session, _world = _scenario(contexts, embedded_view, services + "/jwks/isolation-probe")
        page = session.page
        page.goto(services + "/jwks/isolation-probe")
        assert page.evaluate("() => [sessionStorage.getItem('leak'), localStorage.getItem('leak')]") == [None, None]
        session.close()
    finally:
        contexts.close()


def test_a_page_that_keeps_writing_its_storage_leaves_nothing_behind(browser, embedded_view, local_enver):
    """The page's realm is gone before its sessionStorage is cleared: a timer cannot write it back.
    (A race when it fails: with the realm left to a browser-initiated navigation, about 1 round in
    20 found the value; hence several rounds.)"""
    contexts = Contexts(browser, "reset")
    try:
        for round in range(12):
            session, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
            page = session.client.page
            assert page.evaluate("() => sessionStorage.getItem('busy')") is None, round
            page.evaluate("() => setInterval(() => sessionStorage.setItem('busy', String(Date.now())), 1)")
            session.close()
        assert contexts.pages_made == 1
    finally:
        contexts.close()


def test_a_scenario_that_scripts_the_blank_page_it_was_given_leaves_nothing_behind(browser, embedded_view, local_enver):
    """After a reset the page waits on an about:blank that is still the web client's origin; a
    scenario that writes that origin's storage there, without navigating, is reset like any other."""
    contexts = Contexts(browser, "reset")
    try:
        first, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        first.client  # noqa: B018 - the web client opened: the page is on its origin
        first.close()
        blank, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        blank.page.evaluate("() => { sessionStorage.setItem('leak', 'session'); window.name = 'leak'; }")
        blank.close()
        last, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        assert last.client.page.evaluate(LOOK) == NOTHING
        last.close()
        assert contexts.pages_made == 1
    finally:
        contexts.close()


class CacheableCount(http.server.BaseHTTPRequestHandler):
    """GET: how many GETs the server has had, cacheable for ten minutes (as a JWKS may be), to any origin."""

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Access-Control-Allow-Origin": "*", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self) -> None:  # the preflight the run header makes
        self._send(204, b"", {"Access-Control-Allow-Headers": "*", "Access-Control-Allow-Methods": "GET"})

    def do_GET(self) -> None:
        self.server.gets += 1  # type: ignore[attr-defined]
        self._send(200, str(self.server.gets).encode(), {"Cache-Control": "max-age=600"})  # type: ignore[attr-defined]


@pytest.fixture
def cacheable() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CacheableCount)
    server.gets = 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/keys"
    server.shutdown()
    server.server_close()


TEXT = "url => fetch(url).then(r => r.text())"


def test_an_answer_in_the_http_cache_is_not_served_to_the_next_scenario(browser, embedded_view, local_enver, cacheable):
    """Otherwise the next scenario's request would never reach the service, nor carry its run id."""
    contexts = Contexts(browser, "reset")
    try:
        first, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        page = first.client.page
        assert [page.evaluate(TEXT, cacheable) for _ in range(2)] == ["1", "1"]  # the second from the cache
        first.close()
        second, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        assert second.client.page.evaluate(TEXT, cacheable) == "2"
        second.close()
    finally:
        contexts.close()


PERMISSION = "() => navigator.permissions.query({name: 'geolocation'}).then(p => p.state)"


def test_a_permission_granted_in_one_scenario_is_gone_in_the_next(browser, embedded_view, local_enver):
    contexts = Contexts(browser, "reset")
    try:
        first, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        page = first.client.page
        before = page.evaluate(PERMISSION)
        parts = urlsplit(local_enver.web_client_url)
        first.context.grant_permissions(["geolocation"], origin=f"{parts.scheme}://{parts.netloc}")
        assert (before, page.evaluate(PERMISSION)) == ("prompt", "granted")
        first.close()
        second, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        assert second.client.page.evaluate(PERMISSION) == "prompt"
        second.close()
    finally:
        contexts.close()


def test_a_popup_of_one_scenario_is_closed_before_the_next(browser, embedded_view, local_enver):
    """A page the scenario opened would go on running (here: writing storage after the reset)."""
    contexts = Contexts(browser, "reset")
    try:
        first, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        with first.context.expect_page() as opened:
            first.client.page.evaluate("url => { window.open(url) }", local_enver.web_client_url)
        popup = opened.value
        popup.wait_for_load_state("domcontentloaded")
        popup.evaluate("() => setInterval(() => localStorage.setItem('popup', 'alive'), 1)")
        first.close()
        second, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
        assert second.context.pages == [second.page]
        assert second.client.page.evaluate("() => localStorage.getItem('popup')") is None
        second.close()
        assert contexts.made == 1
    finally:
        contexts.close()


def test_listeners_of_finished_scenarios_do_not_pile_up_on_the_reused_context(browser, embedded_view, local_enver):
    """Each scenario's capture listens to the context while it runs, and only then. (Playwright has no
    public listener count: the sync object's event emitter is asked.)"""
    contexts = Contexts(browser, "reset")
    try:
        for _round in range(3):
            session, _world = _scenario(contexts, embedded_view, local_enver.web_client_url)
            emitter = session.context._impl_obj  # type: ignore[union-attr]
            assert [len(emitter.listeners(event)) for event in ("request", "console")] == [1, 1]
            session.close()
        assert contexts.made == 1
    finally:
        contexts.close()


def test_a_context_is_reused_only_with_the_options_it_was_made_with(browser):
    """A scenario asking for another viewport or proxy (another enver's hosts) gets a context made so."""
    contexts = Contexts(browser, "reset")
    small, wide = {"viewport": {"width": 800, "height": 600}}, {"viewport": {"width": 1280, "height": 720}}
    try:
        context, _page = contexts.acquire(**small)
        contexts.release(context, [], small)
        again, _page = contexts.acquire(**small)
        assert again is context
        contexts.release(again, [], small)
        other, page = contexts.acquire(**wide)
        assert other is not context and contexts.made == 2
        assert page.viewport_size == wide["viewport"]
        contexts.release(other, [], wide)
    finally:
        contexts.close()
