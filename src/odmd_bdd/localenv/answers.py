"""What the embedded enver answers to one request, before it is sent: status, body, content type,
the events to publish, and the delivery details a fault plan may change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int
    body: Any
    content_type: str = "application/json"
    events: list[dict[str, Any]] = field(default_factory=list)  # [{"message", "payload"}] to publish
    delay_s: float = 0.0
    cors_origin: str | None = None
