"""Enver resolution: where each service of the constellation answers, and under which contract.

Per service: an explicit base URL (the service's env var, e.g. ODMD_IDENTITY_BASE_URL, or
the --base-urls file) wins; otherwise /odmd-share in the enver's AWS (SSM + versioned S3),
with CloudFormation stack outputs as the fallback. An `embedded` enver first starts the
embedded AWS and the local enver and publishes it there, so it is read the same way. When
every address is explicit and no AWS is needed, the local contract copies are used.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from odmd_bdd import heap, tls
from odmd_bdd.aws.share import ShareNotFound, ShareSnapshot
from odmd_bdd.contracts import Artifact, AsyncApiContract, OpenApiContract
from odmd_bdd.data.constellation import Constellation, EnverSpec, ServiceSpec, SharedValue
from odmd_bdd.errors import EnverError
from odmd_bdd.resolution.odmd_share import ShareResolver

if TYPE_CHECKING:  # uvicorn and Starlette load only when an embedded enver starts in this process
    from odmd_bdd.localenv import LocalEnver

ANSWERS_SAID = {
    "full": "full (every answer compared with the dataset)",
    "named": "named (only the fields the steps name are compared)",
}


@dataclass(frozen=True)
class EmbeddedAddress:
    """Where an embedded AWS that another process started answers (harness/warm_enver.py): an
    enver resolved with `attach=` reads the embedded enver from it instead of starting one.
    `share`: what that process read of it from /odmd-share; given, the enver is resolved from
    it, and the embedded AWS serves only the run's events (and state machine executions)."""

    endpoint_url: str
    region: str
    share: ShareSnapshot | None = field(default=None, compare=False, repr=False)


@dataclass
class ServiceEndpoint:
    name: str
    base_url: str
    contract: OpenApiContract
    source: str  # how the base URL was found: "share", "stack …", "env ODMD_…", "file …"
    events: AsyncApiContract | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)  # security scheme -> the mock credential sent

    @property
    def explicit(self) -> bool:
        """At an address given explicitly (--base-urls, ODMD_*_BASE_URL), not resolved from the enver."""
        return self.source.startswith(("env ", "file "))


@dataclass(repr=False)
class Enver:
    spec: EnverSpec
    services: dict[str, ServiceEndpoint]
    local: LocalEnver | None = None
    aws: Any = None  # the EmbeddedAws of a local enver
    aws_client: Any = None  # service name -> boto3 client of the enver's AWS (embedded or deployed)
    web_client_url: str | None = None
    state_machine_arn: str | None = None
    event_queues: dict[str, str] = field(default_factory=dict)  # named queues of the event_bus (explicit runs)
    embedded_bus: bool = False  # its events travel on the embedded AWS (moto), which lists new queues at once
    reused: str | None = None  # a running embedded enver this run reuses (harness/warm_enver.py), said in the report
    share: ShareSnapshot | None = None  # what resolving an embedded enver read of it, for the runs that reuse it

    @property
    def name(self) -> str:
        return self.spec.name

    def __repr__(self) -> str:
        return f"<Enver {self.name} ({self.spec.revision})>"

    def service(self, name: str) -> ServiceEndpoint:
        try:
            return self.services[name]
        except KeyError:
            raise EnverError(
                f"enver {self.name!r} has no service {name!r} (services: {', '.join(self.services)})"
            ) from None

    def describe(self) -> dict[str, str]:
        """What the report records about this enver: base URLs and artifact versions."""
        out = {
            "enver": self.name,
            "revision": self.spec.revision,
            "services_from": self.services_from(),
            "answers": self.answers_said(),
        }
        for svc in self.services.values():
            out[f"{svc.name}.base_url"] = svc.base_url
            out[f"{svc.name}.base_url_source"] = svc.source
            for artifact in svc.artifacts or [svc.contract.artifact]:
                out[f"{svc.name}.artifact.{artifact.kind}"] = artifact.label
        if self.reused:
            out["embedded_enver"] = self.reused
        if self.web_client_url:
            out["web_client_url"] = self.web_client_url
        if self.state_machine_arn:
            out["bdd_state_machine_arn"] = self.state_machine_arn
        return out

    def answers_said(self) -> str:
        """The answers mode and the services it applies to: the whole-answer check leaves services
        at explicit addresses to their steps (they are not the mock enver's)."""
        if self.spec.answers != "full":
            return ANSWERS_SAID[self.spec.answers]
        explicit = sum(svc.explicit for svc in self.services.values())
        if not explicit:
            return ANSWERS_SAID["full"]
        resolved = len(self.services) - explicit
        full = f"full for {resolved} service(s) resolved from the enver (every answer compared with the dataset)"
        steps_only = f"{explicit} explicit-address service(s): checked by their steps only"
        return f"{full}; {steps_only}" if resolved else f"{steps_only} (full applies to none)"

    def services_from(self) -> str:
        """Where the services' addresses came from, in one line: '6 from /odmd-share (embedded)',
        or '2 explicit (env ODMD_KEY_BASE_URL, ...), 4 from /odmd-share' for a partly foreign enver."""
        explicit = [svc.source for svc in self.services.values() if svc.explicit]
        shared = [svc.source for svc in self.services.values() if not svc.explicit]
        parts = []
        if explicit:
            parts.append(f"{len(explicit)} explicit ({', '.join(dict.fromkeys(explicit))})")
        if shared:
            stacks = [source for source in shared if source.startswith("stack ")]
            via = f", {len(stacks)} of them via stack outputs" if stacks else ""
            parts.append(f"{len(shared)} from /odmd-share{' (embedded)' if self.spec.embedded else ''}{via}")
        return ", ".join(parts) or "none"

    @property
    def event_contracts(self) -> dict[str, AsyncApiContract]:
        return {name: svc.events for name, svc in self.services.items() if svc.events is not None}

    def sqs(self) -> Any:
        """A boto3 SQS client for this enver's events, or None when it has no AWS."""
        return self.aws_client("sqs") if self.aws_client is not None else None

    def close(self) -> None:
        if self.local is not None:
            self.local.stop()
            self.local = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None


def read_base_url_file(path: str | Path) -> dict[str, str]:
    """A YAML/JSON file `{base_urls: {service: url}}` (or just the mapping)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise EnverError(f"cannot read base URL file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EnverError(f"{path}: invalid YAML: {exc}") from None
    urls = raw.get("base_urls", raw) if isinstance(raw, dict) else None
    if not isinstance(urls, dict) or not all(isinstance(v, str) for v in urls.values()):
        raise EnverError(f"{path}: expected a mapping base_urls: {{service: url}}")
    return urls


@heap.building()  # what it makes (an embedded AWS and enver, clients, contracts) lives as long as the Enver
def resolve_enver(
    constellation: Constellation,
    name: str,
    *,
    base_url_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    probe: bool = True,
    transport: str | None = None,
    withhold_artifacts: AbstractSet[str] = frozenset(),
    local_port: int = 0,
    attach: EmbeddedAddress | None = None,
    aws_process: bool = False,
) -> Enver:
    """`transport` (http | sfn) overrides the enver's own; sfn also resolves the BDD state machine.
    `withhold_artifacts`: services whose artifact an embedded enver does not publish (a planted fault).
    `attach`: an embedded enver already running elsewhere (`odmd-bdd local-enver`) to read instead
    of starting one; it stays up when this Enver closes. `aws_process`: an embedded enver's AWS
    runs in a child process (odmd_bdd.aws.embedded_process) instead of in this one."""
    spec = constellation.enver(name)
    if transport is not None and transport != spec.transport:
        spec = dataclasses.replace(spec, transport=transport)
    environ = os.environ if environ is None else environ
    explicit: dict[str, tuple[str, str]] = {}
    if base_url_file:
        for svc, url in read_base_url_file(base_url_file).items():
            if svc not in constellation.services:
                raise EnverError(
                    f"{base_url_file}: unknown service {svc!r} (services: {', '.join(constellation.services)})"
                )
            explicit[svc] = (url, f"file {base_url_file}")
    for svc, sspec in constellation.services.items():
        if environ.get(sspec.base_url_env):
            explicit[svc] = (environ[sspec.base_url_env], f"env {sspec.base_url_env}")

    enver = Enver(spec=spec, services={})
    where = _where(spec)  # the endpoint and region errors name; the resolver's own once it exists
    try:
        resolver = _resolver(
            constellation,
            spec,
            enver,
            needs_aws=len(explicit) < len(constellation.services)
            or (spec.transport == "sfn" and not environ.get(_env(constellation.bdd_state_machine))),
            withhold_artifacts=withhold_artifacts,
            local_port=local_port,
            attach=attach,
            aws_process=aws_process,
            explicit=set(explicit),
        )
        if resolver is not None:
            where = resolver.where()
            # Every /odmd-share value the run reads, in a few GetParameters calls rather than one call each.
            shared_values = [v for v in (constellation.web_client, constellation.bdd_state_machine) if v is not None]
            resolver.preload(list(constellation.services.values()), shared_values)
        missing: list[str] = []  # every unpublished /odmd-share value, named at once

        def collect(read: Callable[..., Any], *args: Any) -> Any:
            try:
                return read(*args)
            except ShareNotFound as exc:
                missing.append(exc.label)
                return None

        # Over the network (another process's embedded AWS, a deployed enver's account) every read
        # is a round trip: they are made at once, then taken in order as before.
        remote = resolver is not None and not resolver.offline and (attach is not None or not spec.embedded)
        prefetched = _prefetch(resolver, constellation, set(explicit)) if remote and resolver is not None else {}

        def read(key: tuple[str, str], reader: Callable[[ServiceSpec], Any], sspec: ServiceSpec) -> Any:
            if key not in prefetched:
                return reader(sspec)
            value, error = prefetched[key]
            if error is not None:
                raise error
            return value

        for svc, sspec in constellation.services.items():
            if resolver is not None:
                contracts = collect(read, (svc, "contracts"), resolver.contracts, sspec)
                found = explicit.get(svc) or collect(read, (svc, "base_url"), resolver.base_url, sspec)
            else:
                contracts, found = constellation.service_contracts[svc], explicit[svc]
            if contracts is None or found is None:
                continue
            url, source = found
            if spec.embedded and source == "share":
                source = "share (embedded)"
            enver.services[svc] = ServiceEndpoint(
                svc,
                url.rstrip("/"),
                contracts.http,
                source,
                contracts.events,
                contracts.artifacts,
                constellation.mock_credentials(svc),
            )
        state_machine = None
        if spec.transport == "sfn":
            state_machine = collect(_shared, constellation.bdd_state_machine, resolver, environ, True)
        if missing and constellation.web_client is not None:  # optional, but named too when resolution fails
            web_client = collect(_shared, constellation.web_client, resolver, environ, True)
        else:
            web_client = _shared(constellation.web_client, resolver, environ, required=False)
        if missing and resolver is not None:
            raise EnverError(
                f"enver {name!r} ({spec.revision}): {len(missing)} shared value(s) are not published in "
                f"/odmd-share ({resolver.where()}):\n  " + "\n  ".join(missing) + "\nDeploy the enver (or check "
                "--enver and the region), or give these services' addresses explicitly (--base-urls FILE)"
            )
        if resolver is None and spec.event_bus is not None:
            enver.aws_client = _memo(_bus_clients(spec))
            enver.event_queues = _named_queues(enver, spec.event_bus.queues)
        enver.web_client_url = web_client
        if enver.local is not None:  # the embedded web client calls the services where they were resolved
            enver.local.web_client.base_urls = {svc.name: svc.base_url for svc in enver.services.values()}
        enver.state_machine_arn = state_machine
        if resolver is not None and spec.embedded:
            enver.share = resolver.snapshot()
        if probe:
            check_reachable(enver)
    except BaseException as exc:
        enver.close()
        if _is_aws_error(exc):
            raise EnverError(
                f"enver {name!r} ({spec.revision}): AWS refused or could not be reached ({where}): {exc}"
            ) from None
        raise
    return enver


def _prefetch(
    resolver: ShareResolver, constellation: Constellation, explicit: AbstractSet[str]
) -> dict[tuple[str, str], tuple[Any, Exception | None]]:
    """Each service's contracts and (unless given explicitly) base URL, read concurrently:
    (service, "contracts" | "base_url") -> (value, None) or (None, what it raised)."""
    from concurrent.futures import ThreadPoolExecutor

    def outcome(reader: Callable[[ServiceSpec], Any], sspec: ServiceSpec) -> tuple[Any, Exception | None]:
        try:
            return reader(sspec), None
        except Exception as exc:  # raised again, in order, by resolve_enver
            return None, exc

    jobs: dict[tuple[str, str], tuple[Callable[[ServiceSpec], Any], ServiceSpec]] = {}
    for svc, sspec in constellation.services.items():
        jobs[(svc, "contracts")] = (resolver.contracts, sspec)
        if svc not in explicit:
            jobs[(svc, "base_url")] = (resolver.base_url, sspec)
    if len(jobs) < 2:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(jobs)), thread_name_prefix="odmd-share") as pool:
        futures = {key: pool.submit(outcome, reader, sspec) for key, (reader, sspec) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def _where(spec: EnverSpec, region: str | None = None) -> str:
    """The endpoint and region a deployed enver's AWS is reached at, for messages."""
    endpoint = spec.endpoint_url or "the AWS default endpoint"
    return f"SSM at {endpoint}, region {region or spec.region or 'none'}"


def _env(shared: SharedValue | None) -> str:
    return (shared.env or "") if shared is not None else ""


def _shared(
    shared: SharedValue | None, resolver: ShareResolver | None, environ: Mapping[str, str], required: bool
) -> str | None:
    if shared is None:
        if required:
            raise EnverError("the constellation file names no bdd_state_machine (build_id, producer)")
        return None
    if shared.env and environ.get(shared.env):
        return environ[shared.env]
    if resolver is None:
        if required:
            raise EnverError(f"no {shared.producer}: set {shared.env} or resolve the enver through /odmd-share")
        return None
    try:
        return resolver.shared(shared)[0]
    except EnverError:
        if required:
            raise
        return None


def _resolver(
    constellation: Constellation,
    spec: EnverSpec,
    enver: Enver,
    needs_aws: bool,
    withhold_artifacts: AbstractSet[str] = frozenset(),
    local_port: int = 0,
    attach: EmbeddedAddress | None = None,
    explicit: AbstractSet[str] = frozenset(),
    aws_process: bool = False,
) -> ShareResolver | None:
    """Where this enver's shared values come from: the embedded AWS (started here and published
    into, or started by another process and `attach`ed to), a deployed enver's AWS account, or
    nowhere (every address given explicitly). An embedded enver hosts only the services not at an
    `explicit` address."""
    if not needs_aws:
        return None  # every address explicit: nothing embedded to start, nothing to read
    if spec.embedded and attach is not None:
        from odmd_bdd.aws.embedded import isolated_session, make_client

        session = functools.cache(lambda: isolated_session(attach.region))  # boto3 loads on the first client
        client = _memo(lambda service: make_client(session(), service, endpoint_url=attach.endpoint_url))
        if attach.share is not None:
            enver.aws_client, enver.embedded_bus = client, True
            where = f"the share read by the process hosting the embedded enver at {attach.endpoint_url}"
            return ShareResolver.from_snapshot(attach.share, spec.revision, where)
    elif spec.embedded:
        from odmd_bdd.aws import EmbeddedAws  # boto3 and moto load only when an embedded enver is needed
        from odmd_bdd.localenv import LocalEnver
        from odmd_bdd.localenv.publish import publish_local_enver

        # The share protocol needs SSM and S3, events SQS: loaded at start, not on first use. Only
        # the sfn transport runs state machines, so only it needs moto's Step Functions interpreter.
        aws_options: dict[str, Any] = {"http_invoke": spec.transport == "sfn", "preload": ("ssm", "s3", "sqs")}
        from odmd_bdd.aws.embedded_process import EmbeddedAwsProcess
        from odmd_bdd.events.sqs import ApiSender

        if aws_process:
            enver.aws = EmbeddedAwsProcess(**aws_options).start()
        else:
            enver.aws = EmbeddedAws(**aws_options).start()
        client = _memo(enver.aws.client)
        hosted = [name for name in constellation.services if name not in explicit]
        # The services publish their events the way the enver is published: into an in-process moto's queues.
        events = ApiSender(client("sqs")) if isinstance(enver.aws, EmbeddedAwsProcess) else enver.aws.event_sender()
        enver.local = LocalEnver(constellation, events=events, port=local_port, services=hosted).start()
        publish_local_enver(
            enver.aws,
            constellation,
            enver.local,
            spec.revision,
            state_machine=spec.transport == "sfn",
            writer=enver.aws.writer(client),
            withhold_artifacts=withhold_artifacts,
        )
    else:
        client = _deployed_clients(spec, constellation)
    enver.aws_client = client = client if spec.embedded else _memo(client)  # embedded ones are memoized
    enver.embedded_bus = spec.embedded
    return ShareResolver(client("ssm"), client("s3"), spec.revision, lambda: client("cloudformation"))


def _named_queues(enver: Enver, queues: dict[str, str]) -> dict[str, str]:
    """The event_bus's named queues, each keyed by a channel (or queue name) of the contracts."""
    known = {m.channel for c in enver.event_contracts.values() for m in c.messages.values()}
    known |= {m.queue for c in enver.event_contracts.values() for m in c.messages.values()}
    unknown = sorted(set(queues) - known)
    if unknown:
        raise EnverError(
            f"enver {enver.name!r}: event_bus queues names no channel of the contracts: {', '.join(unknown)} "
            f"(channels: {', '.join(sorted(known))})"
        )
    return dict(queues)


def _bus_clients(spec: EnverSpec) -> Callable[[str], Any]:
    """Clients for the event bus an explicit-address run names (constellation `event_bus`): the
    standard credential chain, or dummy credentials for a local endpoint that takes any."""
    import boto3

    from odmd_bdd.aws.embedded import isolated_session, make_client

    bus = spec.event_bus
    assert bus is not None
    session = boto3.Session(profile_name=spec.profile, region_name=bus.region)
    if session.get_credentials() is None and bus.endpoint_url:
        session = isolated_session(bus.region)
    return lambda service: make_client(session, service, endpoint_url=bus.endpoint_url)


def _deployed_clients(spec: EnverSpec, constellation: Constellation):
    """boto3 clients from the standard credential chain; fails before any call without credentials."""
    import boto3

    session = boto3.Session(profile_name=spec.profile, region_name=spec.region)
    if session.get_credentials() is None:
        envs = ", ".join(s.base_url_env for s in constellation.services.values())
        raise EnverError(
            f"enver {spec.name!r} ({spec.revision}) is resolved through /odmd-share "
            f"({_where(spec, session.region_name)}), but the standard AWS credential chain has no "
            f"credentials (environment, profile, SSO, role). "
            f"Log in to AWS, or give every service's address: {envs} or --base-urls FILE"
        )
    if session.region_name is None:
        raise EnverError(
            f"enver {spec.name!r}: no AWS region ({_where(spec)}); set region in the constellation file or AWS_REGION"
        )
    return lambda service: session.client(service, endpoint_url=spec.endpoint_url)


def _memo(factory):
    """One boto3 client per service for the whole run: creating one costs 0.1-0.5 s."""
    clients: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str) -> Any:
        with lock:
            if service not in clients:
                clients[service] = factory(service)
            return clients[service]

    return client


def _is_aws_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("botocore", "boto3"))


@dataclass(frozen=True)
class Reach:
    """What one reachability probe of a base URL found: an HTTP status, or why there was none."""

    url: str
    status: int | None  # any HTTP answer counts as reachable
    error: str | None = None  # "ConnectError: ..." when nothing answered

    @property
    def reachable(self) -> bool:
        return self.status is not None


def reach(url: str, client: httpx.Client) -> Reach:
    """One GET of `url`; any HTTP answer counts (the seed's curl of an endpoint)."""
    try:
        return Reach(url, client.get(url).status_code)
    except httpx.HTTPError as exc:
        return Reach(url, None, f"{type(exc).__name__}: {exc}")


def probe_client(timeout: float = 3.0, connect: float | None = None) -> httpx.Client:
    """The client of reachability probes: no proxy or netrc from the environment."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=timeout if connect is None else connect),
        trust_env=False,
        verify=tls.context(),
    )


def check_reachable(enver: Enver, timeout: float = 3.0) -> None:
    """One quick request per explicitly given base URL; any HTTP answer counts as reachable."""
    down = []
    given = [svc for svc in enver.services.values() if svc.source != "share (embedded)"]
    if not given:
        return  # every address is the embedded enver's own
    with probe_client(timeout) as client:
        for svc in given:
            found = reach(svc.base_url, client)
            if not found.reachable:
                down.append(f"{svc.name} at {svc.base_url} ({svc.source}): {found.error}")
    if down:
        raise EnverError(f"enver {enver.name!r} is unreachable:\n  " + "\n  ".join(down))
