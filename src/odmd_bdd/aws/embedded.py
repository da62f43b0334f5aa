"""The embedded AWS of the local enver: moto's server on 127.0.0.1, in this process
(odmd_bdd/aws/embedded_process.py runs the same in a child process).

`EmbeddedAws` runs moto's WSGI app (the one `moto.server` and `ThreadedMotoServer` run)
on a free loopback port in a daemon thread:

    with EmbeddedAws() as aws:
        sfn = aws.client("stepfunctions")

What it does on `start()`, in order:
- binds 127.0.0.1:<free port> in the calling thread, so a bind error is raised at once
  (moto's `ThreadedMotoServer.start()` waits without a timeout for a thread that may
  have died; it is not used for that reason);
- polls `GET /moto-api/config` until it answers, bounded by a deadline;
- resets moto's state (`POST /moto-api/reset`): a new embedded AWS starts empty;
- turns state machine execution on (`POST /moto-api/config
  {"stepfunctions": {"execute_state_machine": true}}`). State machines must then be
  created through the Step Functions API: moto does not execute ones created through
  CloudFormation;
- sets `MOTO_PORT` to its port (restored on `stop()`): service integrations of a state
  machine (`arn:aws:states:::sqs:sendMessage`, `aws-sdk:*`) call back to moto on it;
- loads the moto backends named in `preload` (e.g. `("ssm", "s3", "sqs")`) now rather
  than on their first request, and installs the `arn:aws:states:::http:invoke` extension
  (`odmd_bdd.aws.http_invoke`) unless `http_invoke=False`. moto.ssm would import moto.ec2,
  which builds its region list at import from three fresh boto3 sessions; the embedded AWS
  imports moto.ssm with moto.ec2 deferred to its first use (`_import_moto_ssm_without_ec2`).
  The Step Functions interpreter the extension needs still imports moto.ec2 (through
  moto.ecs and moto.batch). While they load, each botocore data file is parsed once
  (`_botocore_files_parsed_once`): about half of moto.ec2's import CPU; from `start()` to
  `stop()`, endpoints.json (0.1-0.2 s a parse) is parsed once for moto's backends and this
  process's sessions.

Moto keeps its state and configuration in module globals, so one process has one moto:
a second `EmbeddedAws` started while one runs is refused with a clear error.

Clients come from `client(service)`: explicit dummy credentials and region, the embedded
endpoint, no proxy, and a botocore session that reads neither ~/.aws/config nor
~/.aws/credentials nor AWS_* variables — nothing of the user's real AWS setup can reach
or redirect a call meant for the embedded endpoint.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import socket
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import httpx

from odmd_bdd import tls
from odmd_bdd.errors import EnverError

if TYPE_CHECKING:
    from moto.core.config import _sfn_config as SfnConfig

    from odmd_bdd.aws.writers import EnverWriter, MotoSender

LOOPBACK = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
# moto's default account (moto.core.DEFAULT_ACCOUNT_ID); every ARN it mints carries it.
ACCOUNT_ID = "123456789012"
DUMMY_ACCESS_KEY_ID = "testing"
DUMMY_SECRET_ACCESS_KEY = "testing"

_NOISY_MOTO_LOGGER = "moto.stepfunctions.parser.asl.component.eval_component"
_running_lock = threading.Lock()
_running: EmbeddedAws | None = None


class EmbeddedClients:
    """Clients of an embedded AWS at `endpoint_url`, while it is `running`.

    They all come from one session: they share its loaded endpoint data and service models (a
    session per client loaded them again, ~0.1 s a client). botocore sessions are not
    thread-safe, clients are: the lock covers the session."""

    def __init__(self, region: str):
        self.region = region
        self.account_id = ACCOUNT_ID
        self.endpoint_url = ""  # set while it runs
        self.startup_s: float | None = None  # measured by start()
        self._client_session: Any = None  # None until the first client()
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.endpoint_url or 'stopped'}>"

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def session(self) -> Any:
        """A boto3 Session with dummy credentials and this region, isolated from ~/.aws and AWS_*."""
        return isolated_session(self.region)

    def writer(self, client: Callable[[str], Any] | None = None) -> EnverWriter:
        """What publishing to this AWS writes with: its API, through `client(service)` (default
        `self.client`; a caller that already holds clients passes its factory)."""
        from odmd_bdd.aws.writers import ApiWriter

        return ApiWriter(client or self.client)

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client of `service` bound to the embedded endpoint (dummy credentials, no proxy)."""
        if not self.running:
            raise EnverError(f"the embedded AWS is not running: start it before asking for a {service} client")
        with self._client_lock:
            if self._client_session is None:
                self._client_session = self.session()
            return make_client(self._client_session, service, endpoint_url=self.endpoint_url, **config)


class EmbeddedAws(EmbeddedClients):
    """moto on 127.0.0.1:<free port>. `start()`/`stop()` or `with EmbeddedAws() as aws:`."""

    def __init__(
        self, *, region: str = DEFAULT_REGION, port: int = 0, http_invoke: bool = True, preload: tuple[str, ...] = ()
    ):
        super().__init__(region)
        self._port = port
        self._http_invoke = http_invoke
        self._preload = tuple(preload)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._saved_moto_port: str | None = None
        self._saved_log_level: int | None = None
        self._parsed_once: contextlib.ExitStack | None = None
        self._saved_sfn_config: SfnConfig | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def writer(self, client: Callable[[str], Any] | None = None) -> EnverWriter:
        """moto runs in this process: publishing writes into its backends (odmd_bdd/aws/writers.py)."""
        from odmd_bdd.aws.writers import MotoWriter

        if not self.running:
            raise EnverError("the embedded AWS is not running: start it before publishing to it")
        return MotoWriter(self.account_id, self.region)

    def event_sender(self) -> MotoSender:
        """How the embedded enver's services put their events on this AWS's queues: moto runs in
        this process, so straight onto its queues (odmd_bdd/aws/writers.py). An `events.sqs.QueueSender`."""
        from odmd_bdd.aws.writers import MotoSender

        if not self.running:
            raise EnverError("the embedded AWS is not running: start it before sending events to it")
        return MotoSender(self.account_id, self.region)

    @staticmethod
    def current() -> EmbeddedAws | None:
        """The embedded AWS running in this process, if any (there is at most one)."""
        return _running

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> EmbeddedAws:
        global _running
        if self.running:
            return self
        with _running_lock:
            if _running is not None:
                raise EnverError(
                    f"an embedded AWS already runs in this process at {_running.endpoint_url}; "
                    "moto keeps one global state per process, so stop that one first"
                )
            _running = self
        started = time.perf_counter()
        try:
            self._parsed_once = contextlib.ExitStack()
            self._parsed_once.enter_context(_botocore_files_parsed_once(only=_is_endpoints_file))
            _check_moto_can_read_aws_config()
            self._serve()
            self._wait_ready(timeout)
            self._configure()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def _serve(self) -> None:
        # moto's own server app; importing it loads Flask and moto's backend index.
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class _Dispatcher(DomainDispatcherApplication):
            """moto's dispatcher, remembering which backend each host names: moto 5 finds it anew
            for every request, listing its package directory (a listdir and ~150 stats) and then
            matching the host against its few hundred URL patterns in turn, ~15% of the server's
            CPU. The answer depends on the host only (the package and the patterns are fixed);
            a host no backend serves is not remembered (moto says so each time)."""

            def __init__(self, create_app: Any) -> None:
                super().__init__(create_app)
                self._backends: dict[str, Any] = {}  # read and written under self.lock (get_application)

            def get_backend_for_host(self, host: str | None) -> Any:
                if host is None:
                    return None
                backend = self._backends.get(host)
                if backend is None:
                    backend = super().get_backend_for_host(host)
                    if backend:
                        self._backends[host] = backend
                return backend

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:  # no access log; errors still logged
                pass

        # Bind here: werkzeug's make_server answers a bind error with print + sys.exit(1).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, self._port))
            sock.listen(128)
        except OSError as exc:
            sock.close()
            raise EnverError(f"the embedded AWS cannot listen on {LOOPBACK}:{self._port}: {exc.strerror}") from None
        app = _Dispatcher(create_backend_app)
        try:
            self._server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=QuietHandler, fd=sock.fileno())
        finally:
            sock.close()  # the server holds its own duplicate of the listening socket
        port = self._server.server_address[1]
        self.endpoint_url = f"http://{LOOPBACK}:{port}"
        self._saved_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="odmd-embedded-aws", daemon=True
        )
        self._thread.start()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        with httpx.Client(trust_env=False, timeout=2.0, verify=tls.context_for(self.endpoint_url)) as http:
            while True:
                try:
                    if http.get(f"{self.endpoint_url}/moto-api/config").status_code < 500:
                        return
                    last_error = "moto answered with a server error"
                except httpx.TransportError as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
                if self._thread is None or not self._thread.is_alive():
                    raise EnverError(f"the embedded AWS at {self.endpoint_url} stopped while starting ({last_error})")
                if time.monotonic() > deadline:
                    raise EnverError(
                        f"the embedded AWS at {self.endpoint_url} was not ready within {timeout:g}s ({last_error})"
                    )
                time.sleep(0.01)  # poll: server readiness, bounded by the deadline above

    def _configure(self) -> None:
        from moto.core.config import default_user_config

        saved: SfnConfig = default_user_config.get("stepfunctions") or {}
        self._saved_sfn_config = saved.copy()
        with httpx.Client(trust_env=False, timeout=10.0, verify=tls.context_for(self.endpoint_url)) as http:
            for path, body in (
                ("/moto-api/reset", None),
                ("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}}),
            ):
                resp = http.post(f"{self.endpoint_url}{path}", json=body)
                if resp.status_code >= 300:
                    raise EnverError(f"the embedded AWS refused POST {path}: HTTP {resp.status_code} {resp.text[:200]}")
        with _botocore_files_parsed_once():
            for service in self._preload:
                _load_moto_models(service)
            if self._http_invoke:
                from odmd_bdd.aws import http_invoke

                http_invoke.install()
        # moto logs every failed state (a 401 caught by the BDD machine included) at ERROR with the
        # whole state's repr; the execution's error and cause carry what matters.
        noisy = logging.getLogger(_NOISY_MOTO_LOGGER)
        self._saved_log_level = noisy.level
        noisy.setLevel(logging.CRITICAL)

    def stop(self) -> None:
        global _running
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            if thread is not None and thread.is_alive():
                server.shutdown()  # returns once serve_forever has noticed (poll_interval)
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if self.endpoint_url and os.environ.get("MOTO_PORT") == self.endpoint_url.rsplit(":", 1)[1]:
            if self._saved_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._saved_moto_port
        if self._saved_sfn_config is not None:  # execute_state_machine is process-wide moto config
            from moto.core.config import default_user_config

            default_user_config["stepfunctions"] = self._saved_sfn_config
            self._saved_sfn_config = None
        if self._saved_log_level is not None:
            logging.getLogger(_NOISY_MOTO_LOGGER).setLevel(self._saved_log_level)
            self._saved_log_level = None
        if self._parsed_once is not None:
            self._parsed_once.close()
            self._parsed_once = None
        self.endpoint_url = ""
        with _running_lock:
            if _running is self:
                _running = None

    def __enter__(self) -> EmbeddedAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _is_endpoints_file(file_path: str) -> bool:
    """botocore's endpoints.json (0.1-0.2 s to parse): every new session, moto's backends' each
    time they list a service's regions, reads it and none changes it."""
    return os.path.basename(file_path) == "endpoints"


@contextlib.contextmanager
def _botocore_files_parsed_once(only: Callable[[str], bool] | None = None) -> Iterator[None]:
    """Within the block, a botocore data file (endpoints.json, a service model …) already parsed
    by one loader is handed to the next loader as is, instead of being parsed again; `only`:
    just the files it accepts.

    botocore caches what it loads per loader, that is per session; moto.ec2, imported by the
    backends the embedded enver uses, asks three new sessions for EC2's regions at import.
    Loading moto's models, data is read-only (the one in-place change, merging a model's
    sdk-extras, gives the same result when repeated), so sharing it changes nothing but the
    time. A client's service model is not shared: botocore's S3 client rewrites its own copy
    (the bucket leaves the request URIs), which moto's S3 routing must not see."""
    from botocore.loaders import JSONFileLoader

    original = JSONFileLoader.load_file
    parsed: dict[str, Any] = {}
    lock = threading.Lock()

    def load_file(self: Any, file_path: str) -> Any:
        if only is not None and not only(file_path):
            return original(self, file_path)
        with lock:
            if file_path not in parsed:
                parsed[file_path] = original(self, file_path)
            return parsed[file_path]

    JSONFileLoader.load_file = load_file
    try:
        yield
    finally:
        JSONFileLoader.load_file = original


def _check_moto_can_read_aws_config() -> None:
    """moto's own code (server side, in this process) builds default boto3 sessions, which read
    AWS_PROFILE and ~/.aws/config; a profile that does not exist or an unreadable config file
    would turn every later call into an HTTP 500. Say so now, in one line."""
    import botocore.exceptions
    import botocore.session

    try:
        botocore.session.get_session().get_scoped_config()
    except botocore.exceptions.BotoCoreError as exc:
        raise EnverError(
            f"the embedded AWS (moto) cannot read your AWS configuration: {exc}. "
            "Fix or unset AWS_PROFILE / AWS_CONFIG_FILE for the local enver"
        ) from None


def isolated_session(region: str = DEFAULT_REGION) -> Any:
    """A boto3 Session with dummy credentials that reads no AWS configuration of the user.

    botocore resolves its settings from instance variables, then AWS_* environment
    variables, then ~/.aws/config. This session's config chain is rebuilt over an empty
    environment and both AWS files point at os.devnull, so AWS_PROFILE, AWS_ENDPOINT_URL,
    AWS_CONFIG_FILE, a real profile… cannot change where or as whom a call goes.
    """
    import boto3
    import botocore.session
    from botocore import configprovider as cp

    core = botocore.session.Session()
    chains = cp.ConfigChainFactory(session=core, environ={})

    def mapping(variables: dict[str, tuple]) -> dict[str, Any]:
        return {
            name: chains.create_config_chain(
                instance_name=name,
                env_var_names=spec[1],
                config_property_names=spec[0],
                default=spec[2],
                conversion_func=spec[3],
            )
            for name, spec in variables.items()
        }

    store = mapping(cp.BOTOCORE_DEFAUT_SESSION_VARIABLES)
    store["s3"] = cp.SectionConfigProvider("s3", core, mapping(cp.DEFAULT_S3_CONFIG_VARS))
    store["proxies_config"] = cp.SectionConfigProvider("proxies_config", core, mapping(cp.DEFAULT_PROXIES_CONFIG_VARS))
    core.register_component("config_store", cp.ConfigValueStore(mapping=store))
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    return boto3.session.Session(
        aws_access_key_id=DUMMY_ACCESS_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
        region_name=region,
        botocore_session=core,
    )


def make_client(session: Any, service: str, *, endpoint_url: str | None = None, **config: Any) -> Any:
    """A client of `session` with no proxy (botocore would take HTTP(S)_PROXY from the environment);
    `config` entries override the defaults (botocore.config.Config arguments)."""
    from botocore.config import Config

    settings = {
        "proxies": {},
        "retries": {"max_attempts": 2, "mode": "standard"},
        "connect_timeout": 5,
        "read_timeout": 30,
        **config,
    }
    return session.client(service, endpoint_url=endpoint_url, config=Config(**settings))


def _load_moto_models(service: str) -> None:
    """Import one service's moto models (moto.backends.get_backend). Its overloads accept only
    literal service names; ours are the caller's strings, which moto checks at run time."""
    from moto.backends import get_backend

    if service == "ssm":
        _import_moto_ssm_without_ec2()
    cast(Callable[[str], object], get_backend)(service)


class _Ec2BackendsOnFirstUse:
    """moto.ssm.models' `ec2_backends` until something uses it: then moto.ec2's own, imported then
    and bound in its place (moto.ssm reads that global at call time)."""

    def _real(self) -> Any:
        import moto.ssm.models
        from moto.ec2 import ec2_backends

        moto.ssm.models.ec2_backends = ec2_backends
        return ec2_backends

    def __getitem__(self, key: str) -> Any:
        return self._real()[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def _import_moto_ssm_without_ec2() -> None:
    """Import moto.ssm's models without moto.ec2.

    moto.ssm imports moto.ec2 for one feature, maintenance-window targets chosen by EC2
    filters, which the share protocol never uses; moto.ec2's import builds its region list
    from three fresh boto3 sessions: about 0.4 s of CPU, more than the rest of the embedded
    AWS's start. While moto.ssm's models import, a placeholder stands in for the `moto.ec2`
    package (its one name, `ec2_backends`, imports the real one on first use); the
    placeholder is gone when the import ends, so anything else that imports moto.ec2 gets
    the real package."""
    if "moto.ssm.models" in sys.modules or "moto.ec2" in sys.modules:
        return
    placeholder = types.ModuleType("moto.ec2")
    placeholder.ec2_backends = _Ec2BackendsOnFirstUse()  # type: ignore[attr-defined]
    sys.modules["moto.ec2"] = placeholder
    try:
        importlib.import_module("moto.ssm.models")
    finally:
        if sys.modules.get("moto.ec2") is placeholder:
            del sys.modules["moto.ec2"]
