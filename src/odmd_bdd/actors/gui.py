"""The GUI layer: each action is a form of the web client, filled, submitted and read back.

The actor drives the web client through the generic page objects (odmd_bdd.gui.pages),
reads the answer the page shows (status and fields from their data-json) and returns it
under the same field names as the API layer. Along the way it checks what only the GUI
level can get wrong:

- every request the client sent is a route of a contract and its answer conforms
  (ContractViolation naming the route or the field);
- the client called the operation the action names;
- the page shows what the service answered (same status, same value in every shown field),
  in its data-json and in the text the user sees (checks.gui_text: the rendering rule).
"""

from __future__ import annotations

import json
from typing import Any

from odmd_bdd.actors.base import SESSION, Action, Observation, World
from odmd_bdd.checks import gui_text
from odmd_bdd.checks.problems import lines
from odmd_bdd.contracts.security import presentation
from odmd_bdd.data import jsonpath
from odmd_bdd.errors import ContractViolation, OdmdError, TransportError
from odmd_bdd.gui.capture import Captured
from odmd_bdd.gui.pages import ShownAnswer, WebClientPage
from odmd_bdd.gui.session import GuiSession
from odmd_bdd.redaction import MASK, SENSITIVE_KEY
from odmd_bdd.reporting.evidence import Recorder
from odmd_bdd.resolution.envers import Enver


def _shown(path: str, value: Any) -> str:
    return MASK if SENSITIVE_KEY.search(path) else repr(value)


class GuiActor:
    layer = "gui"

    def __init__(self, session: GuiSession, enver: Enver, world: World, recorder: Recorder):
        self.session = session
        self.enver = enver
        self.world = world
        self.recorder = recorder
        # While an action runs with another token than the session's (or none), the session's
        # token is kept here: (the token the page held, the token the harness put in its place).
        self._override: tuple[str | None, str | None] | None = None
        self._credentials_set: str | None = None  # what sessionStorage[<key>.credentials] holds (None: absent)

    def __repr__(self) -> str:
        return f"<GuiActor web client={self.session.web_client_url}>"

    # --- the session token ----------------------------------------------------------------

    def _authenticate(self, client: WebClientPage, action: Action) -> None:
        """Make the page hold the token `action.auth` asks for (see WEB_CLIENT_CONVENTION.md)."""
        self._credentials(client, action)
        current = client.session_token()
        if action.auth == SESSION:
            token = self.world.session_token
            if token is None and not self._needs_token(action):
                return  # the mock credentials of config.json present every scheme the operation asks for
            if token is None:
                raise OdmdError(
                    f"{action.label} needs a session, but no step of this scenario has logged in "
                    f"(start it with a step that logs the user in)"
                )
            if self._override is not None:
                kept, placed = self._override
                self._override = None
                if current == placed:  # nothing logged in meanwhile: give the page its session back
                    client.set_session_token(kept)
                    current = kept
            if current != token:
                held = "no token" if current is None else "another token"
                raise AssertionError(
                    f"[{self.layer}] {action.label}: the web client does not hold this scenario's "
                    f"session (sessionStorage[{client.session_key!r}] has {held}); did it keep the "
                    f"session token of the login answer?"
                )
            return
        wanted = action.auth  # None (no Authorization header) or an explicit token
        if self._override is None or current != self._override[1]:
            self._override = (current, wanted)
        else:
            self._override = (self._override[0], wanted)
        if current != wanted:
            client.set_session_token(wanted)

    def _needs_token(self, action: Action) -> bool:
        endpoint = self.enver.service(action.service)
        op = endpoint.contract.operation(action.operation)
        return op.secured and presentation(op.security, lambda s: endpoint.credentials.get(s.name)) is None

    def _credentials(self, client: WebClientPage, action: Action) -> None:
        """sessionStorage[<key>.credentials] (WEB_CLIENT_CONVENTION.md): absent for the session (the
        mock credentials of config.json apply), none at all for no auth, the explicit token for every
        scheme of the service (a wrong credential). Only for services with credentials of their own."""
        endpoint = self.enver.service(action.service)
        if not endpoint.credentials:
            return
        if action.auth == SESSION:
            wanted = None
        elif action.auth is None:
            wanted = json.dumps({})
        else:
            schemes = endpoint.contract.security_schemes
            wanted = json.dumps({action.service: dict.fromkeys(schemes, action.auth)})
        if wanted != self._credentials_set:
            client.page.evaluate(_SET_ITEM_JS, [f"{client.session_key}.credentials", wanted])
            self._credentials_set = wanted

    # --- one action -----------------------------------------------------------------------

    def perform(self, action: Action) -> Observation:
        client = self.session.client
        self._authenticate(client, action)
        form = client.service(action.service).operation(action.operation)
        form.fill(action.body, action.path, action.query, action.headers)
        self.session.capture.take(wait=False)  # anything before the click belongs to no action
        shown = form.submit()
        captured = self.session.capture.take()
        exchanges = [c.exchange for c in captured]
        for exchange in exchanges:
            self.recorder.exchange(exchange, self.layer)
        observation = Observation(
            self.layer, action, shown.status if shown.status is not None else 0, shown.body, exchanges
        )
        self.world.answers.append(observation)
        problems = [p for c in captured for p in c.problems]
        if problems:
            raise ContractViolation(f"[{self.layer}] {action.label} (requests of the web client)", lines(problems))
        if shown.failed:
            raise TransportError(
                f"[{self.layer}] {action.label}: the web client got no answer: {shown.error or 'no reason shown'}"
            )
        differences = self._differences(action, shown, captured)
        if differences:
            raise AssertionError(
                f"[{self.layer}] {action.label}: the web client shows other than the service "
                f"answered:\n  - " + "\n  - ".join(differences)
            )
        return observation

    def _differences(self, action: Action, shown: ShownAnswer, captured: list[Captured]) -> list[str]:
        calls = [
            c
            for c in captured
            if c.operation is not None and c.service == action.service and c.operation.operation_id == action.operation
        ]
        if not calls:
            made = ", ".join(f"{c.route} ({c.exchange.label})" for c in captured) or "none"
            return [f"it did not call {action.service} {action.operation}; requests it made: {made}"]
        if len(calls) > 1:
            return [f"it called {action.service} {action.operation} {len(calls)} times for one submit"]
        answered = calls[0].exchange
        out = []
        if shown.status != answered.status:
            out.append(f"status: shown {shown.status}, answered {answered.status}")
        agreed: dict[str, tuple[str | None, Any]] = {}  # the fields whose data-json is right: is their text?
        issues: list[tuple[str | None, Any]] = []
        if isinstance(shown.body, dict) and isinstance(answered.response_body, dict):
            for path, value in sorted(shown.fields.items()):
                got = jsonpath.get(answered.response_body, path, _ABSENT)
                if got is _ABSENT:
                    out.append(f"{path}: shown {_shown(path, value)}, but the answer has no such field")
                elif got != value or type(got) is not type(value):
                    out.append(f"{path}: shown {_shown(path, value)}, answered {_shown(path, got)}")
                else:
                    agreed[path] = (shown.texts.get(path), got)
            if "issues" in shown.body and shown.body["issues"] != answered.response_body.get("issues"):
                out.append(f"issues: shown {shown.body['issues']}, answered {answered.response_body.get('issues')}")
            elif "issues" in shown.body:
                issues = list(zip(shown.issue_texts, shown.body["issues"], strict=False))
        elif shown.body != answered.response_body:
            out.append(f"answer: shown {shown.body!r:.200}, answered {answered.response_body!r:.200}")
        out += lines(
            gui_text.answer(
                shown.status_text,
                answered.status if shown.status == answered.status else None,
                agreed,
                issues,
                shown=shown.fields,
                credential=lambda path: bool(SENSITIVE_KEY.search(path)),
                previous={**shown.previous_texts, gui_text.STATUS: shown.previous_status_text},
            )
        )
        return out


_ABSENT = object()
_SET_ITEM_JS = "([key, value]) => value === null ? sessionStorage.removeItem(key) : sessionStorage.setItem(key, value)"
