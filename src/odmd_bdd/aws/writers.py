"""Where deploying an enver writes what it publishes: its shared values (SSM parameters), its
versioned schema artifacts (S3) and its event queues (SQS).

- `ApiWriter` writes through the AWS API with boto3 clients: any endpoint, a deployed
  account's or an embedded AWS in another process.
- `MotoWriter` writes straight into the backends of the moto running in this process (the
  embedded AWS's `EmbeddedAws.writer()`). Publishing is the platform's deployment, not
  something the harness tests: on a deployed enver the pipeline writes these values and the
  harness only reads them. So the embedded enver's own publishing skips botocore and moto's
  HTTP layer (about a third of bringing the embedded enver up), while everything the harness
  reads still goes through the AWS API. tests/test_enver_writers.py checks that both writers
  leave the same values, objects and queues behind; moto's backends are internals, which the
  patch-level pin of moto in pyproject.toml covers.
- `MotoSender` puts the events the embedded enver's services publish on their queues the same
  way, for the same reason (the services are the enver, not what the harness tests); the
  scenarios receive them through the SQS API (odmd_bdd/events/sqs.py's `ApiSender` sends
  through the API).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

JSON_CONTENT_TYPE = "application/json"


class EnverWriter(Protocol):
    def put_parameter(self, name: str, value: str) -> None:
        """Put (overwrite) the String parameter `name`."""

    def ensure_versioned_bucket(self, bucket: str) -> None:
        """Create `bucket` if it does not exist and turn versioning on."""

    def put_object(self, bucket: str, key: str, body: bytes, tags: Mapping[str, str]) -> str | None:
        """Put a JSON object; its VersionId (None or "null" when the bucket is not versioned)."""

    def create_queue(self, name: str) -> None:
        """Create the standard SQS queue `name` (nothing happens if it exists)."""


class ApiWriter:
    """Writes through the AWS API. `client(service)` gives a boto3 client, asked for each service
    on its first write."""

    def __init__(self, client: Callable[[str], Any]):
        self._client = client
        self._clients: dict[str, Any] = {}

    @classmethod
    def of(cls, *, ssm: Any = None, s3: Any = None, sqs: Any = None) -> ApiWriter:
        """A writer over clients already made (a service not given cannot be written)."""
        given = {"ssm": ssm, "s3": s3, "sqs": sqs}

        def client(service: str) -> Any:
            if given[service] is None:
                raise TypeError(f"ApiWriter.of() was given no {service} client")
            return given[service]

        return cls(client)

    def _get(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._client(service)
        return self._clients[service]

    def put_parameter(self, name: str, value: str) -> None:
        self._get("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    def ensure_versioned_bucket(self, bucket: str) -> None:
        s3 = self._get("s3")
        try:
            s3.head_bucket(Bucket=bucket)
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            region = s3.meta.region_name
            kwargs: dict[str, Any] = {"Bucket": bucket}
            if region and region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            s3.create_bucket(**kwargs)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def put_object(self, bucket: str, key: str, body: bytes, tags: Mapping[str, str]) -> str | None:
        put: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body, "ContentType": JSON_CONTENT_TYPE}
        if tags:
            put["Tagging"] = urlencode(dict(tags))
        return self._get("s3").put_object(**put).get("VersionId")

    def create_queue(self, name: str) -> None:
        self._get("sqs").create_queue(QueueName=name)


class MotoWriter:
    """Writes into the backends of the moto running in this process (account, region), as moto's
    own request handlers would for the same API calls."""

    def __init__(self, account_id: str, region: str):
        from moto.s3.models import s3_backends
        from moto.sqs.models import sqs_backends
        from moto.ssm.models import ssm_backends
        from moto.utilities.utils import get_partition

        self._region = region
        # Any: the arguments are those moto's handlers pass for the same call (None where not given).
        self._ssm: Any = ssm_backends[account_id][region]
        self._s3 = s3_backends[account_id][get_partition(region)]
        self._sqs = sqs_backends[account_id][region]

    def put_parameter(self, name: str, value: str) -> None:
        self._ssm.put_parameter(
            name=name,
            description=None,
            value=value,
            parameter_type="String",
            allowed_pattern=None,
            keyid=None,
            overwrite=True,
            tags=None,
            data_type="text",
            tier=None,
            policies=None,
        )

    def ensure_versioned_bucket(self, bucket: str) -> None:
        if bucket not in self._s3.buckets:
            self._s3.create_bucket(bucket, self._region)
        self._s3.put_bucket_versioning(bucket, "Enabled")

    def put_object(self, bucket: str, key: str, body: bytes, tags: Mapping[str, str]) -> str | None:
        obj = self._s3.put_object(bucket, key, body)
        obj.set_metadata({"Content-Type": JSON_CONTENT_TYPE})
        if tags:
            self._s3.put_object_tagging(obj, dict(tags))
        return obj.version_id

    def create_queue(self, name: str) -> None:
        self._sqs.create_queue(name)


class MotoSender:
    """Puts messages on queues of the moto running in this process (an `events.sqs.QueueSender`),
    creating a queue on its first message, as `ApiSender` does through the API."""

    blocking = False  # a send is a few dict operations: no worker thread needed

    def __init__(self, account_id: str, region: str):
        from moto.sqs.models import sqs_backends

        self._sqs: Any = sqs_backends[account_id][region]
        self._created: set[str] = set()

    def send(self, queue: str, body: str, attributes: dict[str, Any]) -> None:
        if queue not in self._created:
            self._sqs.create_queue(queue)  # returns the existing queue when there is one
            self._created.add(queue)
        self._sqs.send_message(queue, body, message_attributes=attributes)
