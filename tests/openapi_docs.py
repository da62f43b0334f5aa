"""Small OpenAPI documents for tests: operations that take a JSON body and answer 204, loaded
the way the harness loads an artifact (from a file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from odmd_bdd.contracts import OpenApiContract, load_artifact


def body_operation(op: str, schema: dict[str, Any], method: str = "post", **fields: Any) -> dict[str, Any]:
    """A path item whose one operation `op` takes a JSON body of `schema` (plus `fields`)."""
    return {
        method: {
            "operationId": op,
            "requestBody": {"content": {"application/json": {"schema": schema}}},
            "responses": {"204": {"description": "ok"}},
            **fields,
        }
    }


def document(
    paths: dict[str, Any], openapi: str = "3.1.0", schemas: dict[str, Any] | None = None, title: str = "t"
) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": openapi, "info": {"title": title, "version": "1"}, "paths": paths}
    if schemas:
        doc["components"] = {"schemas": schemas}
    return doc


def written(tmp_path: Path, doc: dict[str, Any], name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def loaded(tmp_path: Path, doc: dict[str, Any]) -> tuple[OpenApiContract, Path]:
    """The document as the harness reads it (service "t"), and the file it was read from."""
    path = written(tmp_path, doc)
    return OpenApiContract("t", load_artifact(path)), path
