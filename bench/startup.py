"""Start-up of the embedded enver, timed in a fresh process (run by bench/run.py).

    python bench/startup.py [--browser]     prints one JSON object

What a `pytest features/` run pays once before its first scenario answers: importing the
engine, loading the constellation (dataset + contracts), `resolve_enver(constellation,
"local")` — the embedded AWS (moto) coming up, the local enver starting, publishing itself
to SSM/S3/SQS and being resolved back through /odmd-share — and, with --browser, launching
Chromium for the GUI layer.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is on the path, the project root is not

from bench.timing import time_calls  # noqa: E402

# The steps of resolve_enver(…, "local") timed one by one (each a key of the output); the rest is resolve_other_s.
RESOLVE_STEPS = (
    "embedded_aws_s",  # moto imported and served, configured
    "moto_backends_s",  # moto's backends the services' events and the publisher write to
    "services_app_s",  # the services' app: routes, answers, the contracts' validators
    "local_enver_s",  # the services listening
    "publish_s",  # published to SSM / S3 / SQS
    "clients_s",  # the boto3 clients the harness reads with
    "read_back_s",  # /odmd-share read back through the AWS API, the contracts parsed
)


def main() -> None:
    out: dict[str, float] = {}
    started = time.perf_counter()
    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.names import DEFAULT_CONSTELLATION
    from odmd_bdd.resolution.envers import resolve_enver

    out["import_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    constellation = Constellation.load(ROOT / DEFAULT_CONSTELLATION)
    constellation.dataset  # noqa: B018 — loaded lazily; a run needs it at collection
    out["constellation_s"] = time.perf_counter() - mark

    from odmd_bdd.aws import embedded
    from odmd_bdd.localenv import publish, server
    from odmd_bdd.resolution import odmd_share

    time_calls(embedded.EmbeddedAws, "start", lambda: out, "embedded_aws_s")
    time_calls(embedded.EmbeddedAws, "event_sender", lambda: out, "moto_backends_s")
    time_calls(embedded.EmbeddedAws, "writer", lambda: out, "moto_backends_s")
    time_calls(server.LocalEnver, "__init__", lambda: out, "services_app_s")
    time_calls(server.LocalEnver, "start", lambda: out, "local_enver_s")
    time_calls(publish, "publish_local_enver", lambda: out, "publish_s")
    time_calls(embedded.EmbeddedAws, "client", lambda: out, "clients_s")
    time_calls(odmd_share.ShareResolver, "preload", lambda: out, "read_back_s")
    time_calls(odmd_share.ShareResolver, "contracts", lambda: out, "read_back_s")
    mark = time.perf_counter()
    enver = resolve_enver(constellation, "local")
    out["resolve_enver_s"] = time.perf_counter() - mark
    out["resolve_other_s"] = out["resolve_enver_s"] - sum(out.get(k, 0.0) for k in RESOLVE_STEPS)
    mark = time.perf_counter()
    enver.close()
    out["close_s"] = time.perf_counter() - mark
    if "--browser" in sys.argv:
        from odmd_bdd.gui.browser import GuiBrowser

        mark = time.perf_counter()
        browser = GuiBrowser().launch()
        out["browser_launch_s"] = time.perf_counter() - mark
        browser.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
