"""Carrying a request's `Authorization` to the BDD state machine the way AWS documents it.

An HTTP Task may not set `Authorization` in its `Headers` (it fails with States.Runtime) and,
on a header both set, the EventBridge connection's value wins — see
https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html ("Headers",
"Merging EventBridge connection and HTTP Task definition data"; odmd_bdd.aws.http_invoke
rules H1, H2). Credentials belong in the connection.

So the `sfn` transport takes `Authorization` out of the task's headers and names, in the
execution input (`ConnectionArn`), an API_KEY connection whose key *is* that header:
`ApiKeyName: Authorization`, `ApiKeyValue: Bearer <token>` — the connection then sends
`Authorization: Bearer <token>`, which the services under test accept. One connection per
distinct header value (a session has few: the session token, a wrong one), named from a
hash of the value and of this process's scope (never the value itself), created on first use
and reused after. The scope keeps concurrent processes (xdist workers on one embedded AWS)
from racing on one name: moto's CreateConnection replaces a connection of the same name under
a new ARN, which left the other worker's cached ARN pointing nowhere.
A request without `Authorization` names no connection: the machine's default (the dummy
basic-auth one) is used.

On AWS this needs `events:CreateConnection`/`DescribeConnection` for the harness and
`events:RetrieveConnectionCredentials` on `connection/odmd-bdd-auth-*` (plus the
connection secrets) for the state machine's role; creating a connection also creates a
Secrets Manager secret (the EventBridge docs), so the transport deletes its own at close
(`delete_all`).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

from odmd_bdd.errors import TransportError

NAME_PREFIX = "odmd-bdd-auth-"
AUTH_HEADER = "Authorization"


def split_authorization(headers: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """`headers` without Authorization (any case), and its value (None when absent)."""
    rest = {k: v for k, v in headers.items() if k.lower() != AUTH_HEADER.lower()}
    values = [v for k, v in headers.items() if k.lower() == AUTH_HEADER.lower()]
    return rest, (values[-1] if values else None)


def connection_name(authorization: str, scope: str = "") -> str:
    """A name for the connection carrying `authorization`, unique per `scope`; never the value itself."""
    return NAME_PREFIX + hashlib.sha256(f"{scope}\0{authorization}".encode()).hexdigest()[:32]


class AuthConnections:
    """API_KEY EventBridge connections standing for `Authorization` header values."""

    def __init__(self, events_client: Any, scope: str | None = None):
        self.events = events_client
        self.scope = uuid.uuid4().hex if scope is None else scope
        self._arns: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def beside(cls, sfn_client: Any) -> AuthConnections:
        """Connections in the same account, region and (for an embedded AWS) endpoint as `sfn_client`."""
        import boto3

        meta = sfn_client.meta
        endpoint = meta.endpoint_url
        custom = endpoint if endpoint and "amazonaws.com" not in endpoint else None
        creds = getattr(sfn_client, "_request_signer", None)
        credentials = getattr(creds, "_credentials", None)
        kwargs: dict[str, Any] = {"region_name": meta.region_name}
        if custom:
            kwargs["endpoint_url"] = custom
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            kwargs.update(
                aws_access_key_id=frozen.access_key,
                aws_secret_access_key=frozen.secret_key,
                aws_session_token=frozen.token,
            )
        return cls(boto3.client("events", **kwargs))

    def arn_for(self, authorization: str) -> str:
        """The ARN of the connection that sends `Authorization: <authorization>`; created on first use."""
        with self._lock:
            if authorization in self._arns:
                return self._arns[authorization]
            name = connection_name(authorization, self.scope)
            params = {"ApiKeyAuthParameters": {"ApiKeyName": AUTH_HEADER, "ApiKeyValue": authorization}}
            try:
                try:
                    arn = self.events.create_connection(
                        Name=name,
                        Description="odmd-bdd: carries one Authorization header value to the BDD state machine",
                        AuthorizationType="API_KEY",
                        AuthParameters=params,
                    )["ConnectionArn"]
                except self.events.exceptions.ResourceAlreadyExistsException:
                    arn = self.events.describe_connection(Name=name)["ConnectionArn"]
            except Exception as exc:  # botocore ClientError / endpoint errors: the exchange cannot start
                raise TransportError(
                    f"could not create the EventBridge connection {name} that carries the request's "
                    f"Authorization header: {exc}"
                ) from None
            self._arns[authorization] = arn
            return arn

    def delete_all(self) -> None:
        """Delete the connections this object created or found (and with them their secrets)."""
        with self._lock:
            for authorization in list(self._arns):
                try:
                    self.events.delete_connection(Name=connection_name(authorization, self.scope))
                except Exception:  # already gone, or no permission: nothing else to do here
                    pass
                self._arns.pop(authorization, None)
