"""The BDD state machine's output as an HTTP answer, reading only what AWS documents.

A 2xx answer is the HTTP Task's output. Any other HTTP answer fails the task with
`States.Http.StatusCode.<code>` (documented: https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html,
"HTTP Task example"); the machine (state_machine.json, `AnswerFromError`) takes the status
from that name and hands over the error output untouched as `Failure` — its `Cause` is
documented only as "a human-readable description of the error"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html, "Error output").

`http_answer()` then fills in the rest *when the cause happens to hold it*: if the Cause is a
JSON object with the same StatusCode and a ResponseBody (what odmd_bdd.aws.http_invoke
writes, and what AWS has been seen to write — undocumented), its StatusText, Headers and
ResponseBody are used; otherwise the body is the Cause text and the headers are empty. The
status is always the documented one, so a 401/404/409 check holds either way; a check on
an error body depends on the cause carrying it.
"""

from __future__ import annotations

import json
from typing import Any


def http_answer(output: Any) -> Any:
    """`{"StatusCode", "StatusText", "Headers", "ResponseBody"}` from the machine's output (see module doc)."""
    if not isinstance(output, dict) or "Failure" not in output:
        return output
    failure = output.get("Failure") or {}
    cause = failure.get("Cause") if isinstance(failure, dict) else None
    answer = {
        "StatusCode": output.get("StatusCode"),
        "StatusText": output.get("StatusText") or "",
        "Headers": output.get("Headers") or {},
        "ResponseBody": cause,
    }
    try:
        decoded = json.loads(cause) if isinstance(cause, str) else None
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and decoded.get("StatusCode") == answer["StatusCode"] and "ResponseBody" in decoded:
        answer["StatusText"] = decoded.get("StatusText") or ""
        answer["Headers"] = decoded.get("Headers") if isinstance(decoded.get("Headers"), dict) else {}
        answer["ResponseBody"] = decoded["ResponseBody"]
    return answer
