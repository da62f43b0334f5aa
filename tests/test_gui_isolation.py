"""GUI scenarios share a browser context (--gui-isolation reset, the default) yet nothing of one
is visible to the next: storage, cookies, IndexedDB, Cache Storage, in-page JS state, captured
traffic and the run header. Real Chromium, real embedded enver, the real GuiSession (no mocks)."""

from __future__ import annotations

import zipfile

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
