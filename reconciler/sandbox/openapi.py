"""Export of the machine-readable contract to ``schemas/openapi.json``."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.sandbox.app import openapi_document


def render_openapi() -> str:
    """The OpenAPI document as committed: sorted keys, indent 2, final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_openapi(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_openapi(), encoding="utf-8")
    return path
