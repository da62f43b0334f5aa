"""What a GUI scenario's isolation costs: a fresh context, a pool of prepared contexts, or one
context reset between scenarios (odmd_bdd/gui/session.py, --gui-isolation).

    .venv/bin/python bench/gui_isolation.py [--rounds N]     prints one JSON object

Each round runs one scenario per strategy, in turn, so all three see the same machine load:
open the GuiSession (context + page + tracing + capture), load the web client, plant state
(storage, a cookie, in-page JS), call a service from the page, read the capture, close. The
embedded enver (no AWS) and Chromium are started once. Besides the per-scenario medians it
counts the renderer processes Chromium started per strategy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from odmd_bdd.gui.session import Contexts  # noqa: E402

PLANT = "() => { localStorage.setItem('k', 'v'); sessionStorage.setItem('k', 'v'); document.cookie = 'k=v'; }"


class PooledContexts(Contexts):
    """(a) A pool of prepared contexts: each scenario takes a fresh context whose page already
    exists; the pool is topped up as each is returned (and closed)."""

    def __init__(self, browser: Any, size: int = 2):
        super().__init__(browser, "context")
        self.size = size
        self._pool: list[tuple[Any, Any, dict]] = []

    def _prepare(self, options: dict) -> None:
        while len(self._pool) < self.size:
            self.made += 1
            self.pages_made += 1
            context = self.browser.new_context(**options)
            self._pool.append((context, context.new_page(), options))

    def acquire(self, **options: Any) -> tuple[Any, Any]:
        self._prepare(options)
        context, page, _ = self._pool.pop(0)
        return context, page

    def release(self, context: Any, origins: list[str], options: dict[str, Any]) -> None:
        context.close()
        self._prepare(options)

    def close(self) -> None:
        for context, _page, _ in self._pool:
            context.close()
        self._pool.clear()


class NewPageContexts(Contexts):
    """(b') The reset strategy with a new page per scenario (the kept context's old pages closed)."""

    def __init__(self, browser: Any):
        super().__init__(browser, "reset")

    def _reset(self, context: Any, origins: list[str]) -> Any:
        for page in context.pages:  # as if it had been on two origins: the reset replaces it
            self._visited.setdefault(page, set()).add("elsewhere")
        return super()._reset(context, origins)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()

    from odmd_bdd.actors import World
    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.gui.browser import GuiBrowser
    from odmd_bdd.gui.session import GuiSession
    from odmd_bdd.localenv import LocalEnver
    from odmd_bdd.resolution.envers import resolve_enver

    constellation = Constellation.load(ROOT / "fixtures" / "envers" / "constellation.yaml")
    with LocalEnver(constellation) as local, GuiBrowser() as browser:
        environ = {spec.base_url_env: local.base_urls[name] for name, spec in constellation.services.items()}
        enver = resolve_enver(constellation, "local", environ=environ, probe=False)
        probe = enver.services["jwks-service"].base_url + "/jwks/bench"
        strategies: dict[str, Contexts] = {
            "context": Contexts(browser, "context"),
            "pool": PooledContexts(browser),
            "reset": Contexts(browser, "reset"),
            "reset_new_page": NewPageContexts(browser),
        }
        times: dict[str, list[float]] = {name: [] for name in strategies}
        for r in range(args.rounds + 1):  # round 0 warms each strategy up, untimed
            for name, contexts in strategies.items():
                started = time.perf_counter()
                session = GuiSession(browser, enver, local.web_client_url, World().run_id, 10.0, contexts=contexts)
                session.open()
                page = session.client.page
                page.evaluate(PLANT)
                page.evaluate("url => fetch(url).then(r => r.status)", probe)
                session.capture.take()
                session.close()
                if r:
                    times[name].append(time.perf_counter() - started)
        for contexts in strategies.values():
            contexts.close()
        renderers = {}
        for name, contexts in strategies.items():  # one strategy at a time, alone: whose renderers are whose
            contexts = Contexts(browser, contexts.isolation) if type(contexts) is Contexts else type(contexts)(browser)
            seen: set[int] = set()
            for _ in range(5):
                session = GuiSession(browser, enver, local.web_client_url, World().run_id, 10.0, contexts=contexts)
                session.open()
                leaked = session.client.page.evaluate("() => sessionStorage.getItem('k') ?? localStorage.getItem('k')")
                assert leaked is None, f"{name}: storage crossed scenarios"
                session.client.page.evaluate(PLANT)
                seen |= _own_renderers()  # sampled while the scenario's page is alive
                session.close()
            renderers[name] = len(seen)
            contexts.close()
    baseline = statistics.median(times["context"])
    print(
        json.dumps(
            {
                name: {
                    "median_s": round(statistics.median(t), 4),
                    "ratio_to_context": round(statistics.median(t) / baseline, 3),
                    "contexts_made": strategies[name].made,
                    "pages_made": strategies[name].pages_made,
                    "rounds": len(t),
                    "renderer_pids_seen_in_5_scenarios": renderers[name],
                }
                for name, t in times.items()
            },
            indent=1,
        )
    )


def _own_renderers() -> set[int]:
    """Pids of the renderer processes among this process's descendants (other jobs run Chromium too)."""
    rows = [
        line.split(None, 2)
        for line in subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout.splitlines()[
            1:
        ]
    ]
    children: dict[int, list[tuple[int, str]]] = {}
    for pid, ppid, *rest in rows:
        children.setdefault(int(ppid), []).append((int(pid), rest[0] if rest else ""))
    found, todo = set(), [os.getpid()]
    while todo:
        for pid, command in children.get(todo.pop(), []):
            todo.append(pid)
            if "--type=renderer" in command:
                found.add(pid)
    return found


if __name__ == "__main__":
    main()
