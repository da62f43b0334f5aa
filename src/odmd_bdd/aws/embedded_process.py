"""The embedded AWS in a child process of its own: `EmbeddedAwsProcess`.

The same moto server as `EmbeddedAws` (the child runs one), with the same surface:
`start()`/`stop()`, `endpoint_url`, `region`, `client(service)`. Every call to the embedded
AWS is HTTP on 127.0.0.1 either way, so a client sees no difference.

What it is for: an enver that parallel runs share (`odmd-bdd local-enver`, which any number of
runs and xdist workers reuse) serves every run's requests to the services and every AWS call
from one interpreter, under one GIL; moto's request handling is about half of that CPU. In a
process of its own, moto runs on another core instead of queueing behind the services. A run's
own embedded enver (a serial run's, each xdist worker's) keeps moto in-process: spawning an
interpreter and importing moto there costs more start-up than a one-process run gains.

The child is `python -m odmd_bdd.aws.embedded_process`. It prints one JSON line (its
address, or the error that stopped it) and then serves until its stdin closes: on
`stop()`, or when this process dies without stopping it, so it never outlives its parent.
It ignores Ctrl-C, which the parent's teardown handles. Its stderr (moto's and werkzeug's
error log) goes to a file: quoted when the child fails to start, logged as a warning
(logger `odmd_bdd.aws.embedded_process`) when it stops, as the same log would be in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from odmd_bdd.aws.embedded import (
    DEFAULT_REGION,
    EmbeddedAws,
    EmbeddedClients,
    _botocore_files_parsed_once,
    _is_endpoints_file,
)
from odmd_bdd.errors import EnverError, OdmdError

_MODULE = "odmd_bdd.aws.embedded_process"  # what the child runs (`python -m`)
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding odmd_bdd/
_log = logging.getLogger(_MODULE)
_STDERR_TAIL = 2000


class EmbeddedAwsProcess(EmbeddedClients):
    """moto on 127.0.0.1:<free port>, served by a child process. `start()`/`stop()` or `with`."""

    def __init__(self, *, region: str = DEFAULT_REGION, http_invoke: bool = True, preload: tuple[str, ...] = ()):
        super().__init__(region)
        self._http_invoke = http_invoke
        self._preload = tuple(preload)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._parsed_once: contextlib.ExitStack | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None

    def start(self, timeout: float = 30.0) -> EmbeddedAwsProcess:
        if self.running:
            return self
        started = time.perf_counter()
        args = [sys.executable, "-m", _MODULE, "--region", self.region]
        if self._http_invoke:
            args.append("--http-invoke")
        if self._preload:
            args += ["--preload", ",".join(self._preload)]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
        self._stderr = tempfile.TemporaryFile(prefix="odmd-embedded-aws-")
        try:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
            )
            self.endpoint_url = self._read_address(timeout)
            # This process's clients parse botocore's endpoints.json once, as EmbeddedAws's do.
            self._parsed_once = contextlib.ExitStack()
            self._parsed_once.enter_context(_botocore_files_parsed_once(only=_is_endpoints_file))
        except BaseException:
            self.stop(kill=True)
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def _read_address(self, timeout: float) -> str:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as waiting:
            waiting.register(proc.stdout, selectors.EVENT_READ)
            while not waiting.select(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    raise EnverError(f"the embedded AWS (child process {proc.pid}) was not ready within {timeout:g}s")
        line = proc.stdout.readline()  # the child writes its one line whole
        try:
            said = json.loads(line) if line.strip() else {}
        except ValueError:
            said = {}
        if said.get("endpoint_url"):
            return str(said["endpoint_url"])
        reason = said.get("error") or f"it exited with code {proc.wait(timeout=5)}"
        raise EnverError(f"the embedded AWS (child process) did not start: {reason}{self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - _STDERR_TAIL))
        tail = self._stderr.read().decode("utf-8", "replace").strip()
        return f"\n{tail}" if tail else ""

    def stop(self, *, kill: bool = False) -> None:
        """Close the child's stdin (it stops its server and exits); `kill`: one that failed to start."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if kill:
                proc.kill()
            with contextlib.suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            if not kill and (said := self._stderr_tail()):
                _log.warning("the embedded AWS (child process) wrote to its stderr:%s", said)
            self._stderr.close()
            self._stderr = None
        if self._parsed_once is not None:
            self._parsed_once.close()
            self._parsed_once = None
        self.endpoint_url = ""

    def __enter__(self) -> EmbeddedAwsProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _say(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """The child: start the embedded AWS, say where, serve until stdin closes."""
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--http-invoke", action="store_true")
    parser.add_argument("--preload", default="")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    try:
        aws = EmbeddedAws(
            region=args.region, http_invoke=args.http_invoke, preload=tuple(filter(None, args.preload.split(",")))
        ).start()
    except Exception as exc:
        _say({"error": str(exc) if isinstance(exc, OdmdError) else f"{type(exc).__name__}: {exc}"})
        return 1
    _say({"endpoint_url": aws.endpoint_url})
    try:
        sys.stdin.buffer.read()  # EOF: the parent stopped us, or is gone
    finally:
        aws.stop()
    # Nothing is left to flush or close: skip the interpreter's teardown of moto's thousands of
    # objects (a quarter of a second the parent's stop() would wait for).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
