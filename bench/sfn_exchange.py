"""One exchange through the BDD state machine on the embedded AWS, timed in a fresh process
(run by bench/run.py's start-up section).

    python bench/sfn_exchange.py [--repeats N]     prints one JSON object

The embedded AWS (moto) comes up, the BDD state machine is deployed, and `run_exchange` sends
a POST to a plain loopback HTTP server through it N times (the first one apart: it pays moto's
first-call costs). What `--transport sfn` adds per request, end to end.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is on the path, the project root is not


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 5
    from odmd_bdd.aws import EmbeddedAws, deploy_bdd_state_machine, exchange_request, run_exchange

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/json/identities"
    out: dict[str, float | int | None] = {}
    try:
        with EmbeddedAws() as aws:
            out["embedded_aws_s"] = aws.startup_s
            mark = time.perf_counter()
            machine = deploy_bdd_state_machine(aws)
            out["deploy_s"] = time.perf_counter() - mark
            sfn = aws.client("stepfunctions")
            times = []
            for _ in range(repeats + 1):
                request = exchange_request(url, "post", headers={}, body={"user_id": "bench"})
                mark = time.perf_counter()
                answer = run_exchange(sfn, machine, request)
                times.append(time.perf_counter() - mark)
                if answer["StatusCode"] != 200:
                    raise RuntimeError(f"the exchange answered {answer['StatusCode']}")
            out["first_exchange_s"] = times[0]
            out["exchange_median_s"] = statistics.median(times[1:]) if repeats else None
            out["exchanges"] = repeats
    finally:
        server.shutdown()
        server.server_close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
