"""Security schemes as a contract declares them, and the mock credentials that satisfy them.

An operation's requirements are alternatives (OpenAPI `security`: a list of objects; the request
must satisfy every scheme of one of them); the operation's own list replaces the document's, and
an empty list or an empty object makes the operation open. Each scheme is presented as:

- http `bearer`, `oauth2`, `openIdConnect`: `Authorization: Bearer <token>`;
- http `basic`: `Authorization: Basic base64(<user:password>)` (the credential is `user:password`);
- another http scheme: `Authorization: <Scheme> <credential>`;
- `apiKey`: the key in the named header, query parameter or cookie;
- `mutualTLS`: nothing: a client certificate belongs to TLS, which the embedded enver (plain
  HTTP on 127.0.0.1) does not speak, so it takes that scheme as satisfied.

A mock service accepts, per scheme, the credentials the constellation names for it, and (for a
scheme the constellation names none for) the constellation's valid bearer tokens.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SecurityScheme:
    name: str  # the key under components/securitySchemes
    type: str  # http | apiKey | oauth2 | openIdConnect | mutualTLS
    scheme: str = ""  # http: bearer | basic | ... (lower case)
    location: str = ""  # apiKey: header | query | cookie
    parameter: str = ""  # apiKey: the header, query parameter or cookie name

    @property
    def bearer(self) -> bool:
        return self.type in ("oauth2", "openIdConnect") or (self.type == "http" and self.scheme == "bearer")

    def describe(self) -> str:
        if self.type == "apiKey":
            return f"{self.name} (an API key in the {self.location} {self.parameter})"
        if self.bearer:
            return f"{self.name} (a bearer token, {self.type})"
        if self.type == "http":
            return f"{self.name} (HTTP {self.scheme})"
        return f"{self.name} ({self.type})"

    def presented(self, headers: Mapping[str, str], query: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
        """The credential a request presents for this scheme (lower-case header names), or None."""
        if self.type == "apiKey":
            source = {"header": headers, "query": query, "cookie": cookies}.get(self.location, {})
            key = self.parameter.lower() if self.location == "header" else self.parameter
            return source.get(key)
        auth_scheme, _, value = headers.get("authorization", "").partition(" ")
        value = value.strip()
        if not value:
            return None
        if self.bearer:
            return value if auth_scheme.lower() == "bearer" else None
        if self.type == "http" and auth_scheme.lower() == self.scheme:
            if self.scheme == "basic":
                try:
                    return base64.b64decode(value, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    return None
            return value
        return None

    def present(self, credential: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
        """(headers, query pairs, cookies) that present `credential` for this scheme."""
        if self.type == "mutualTLS":  # a client certificate, not a header
            return {}, [], {}
        if self.type == "apiKey":
            if self.location == "query":
                return {}, [(self.parameter, credential)], {}
            if self.location == "cookie":
                return {}, [], {self.parameter: credential}
            return {self.parameter: credential}, [], {}
        if self.bearer:
            return {"Authorization": f"Bearer {credential}"}, [], {}
        if self.scheme == "basic":
            return {"Authorization": "Basic " + base64.b64encode(credential.encode("utf-8")).decode("ascii")}, [], {}
        return {"Authorization": f"{self.scheme.capitalize()} {credential}"}, [], {}


Requirement = tuple[SecurityScheme, ...]


def scheme_from(name: str, raw: Mapping[str, object]) -> SecurityScheme:
    return SecurityScheme(
        name=name,
        type=str(raw.get("type", "")),
        scheme=str(raw.get("scheme", "")).lower(),
        location=str(raw.get("in", "")),
        parameter=str(raw.get("name", "")),
    )


@dataclass
class Credentials:
    """What a mock service accepts: per service and scheme name, the valid credentials; `default`
    (the valid bearer tokens) for a scheme with none of its own."""

    default: set[str] = field(default_factory=set)
    per_scheme: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # service -> scheme -> values

    @classmethod
    def of(cls, tokens: Credentials | set[str] | frozenset[str]) -> Credentials:
        return tokens if isinstance(tokens, Credentials) else cls(default=set(tokens))

    def accepts(self, service: str, scheme: SecurityScheme, value: str | None) -> bool:
        if value is None:
            return False
        valid = self.per_scheme.get(service, {}).get(scheme.name)
        return value in (valid if valid is not None else self.default)


def unsatisfied(
    requirements: Sequence[Requirement],
    accepted: Callable[[SecurityScheme], bool],
) -> str | None:
    """None when one requirement has every scheme accepted (or there is none), else why not."""
    if not requirements or any(len(req) == 0 for req in requirements):
        return None
    for req in requirements:
        if all(s.type == "mutualTLS" or accepted(s) for s in req):
            return None
    if all(s.bearer for req in requirements for s in req) and len(requirements) == 1 and len(requirements[0]) == 1:
        return "Missing or invalid bearer token"
    wanted = " or ".join(" and ".join(s.describe() for s in req) for req in requirements)
    return f"Missing or invalid credentials: this operation needs {wanted}"


def presentation(
    requirements: Sequence[Requirement], credential: Callable[[SecurityScheme], str | None]
) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]] | None:
    """What a client sends for the first requirement it has a credential for every scheme of
    (None: it has none complete). Headers, query pairs, cookies."""
    for req in requirements:
        values = [credential(s) for s in req]
        if all(v is not None for v in values):
            headers: dict[str, str] = {}
            query: list[tuple[str, str]] = []
            cookies: dict[str, str] = {}
            for scheme, value in zip(req, values):
                h, q, c = scheme.present(str(value))
                headers.update(h)
                query += q
                cookies.update(c)
            return headers, query, cookies
    return None
