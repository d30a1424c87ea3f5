"""The JSON Schema of the documents, for editors (yaml-language-server) and CI tools.

Generated from the Pydantic models, so it cannot drift from them; ``reconciler schema``
writes it and a test checks the committed ``schemas/projects.schema.json`` is current.
It describes one document; rules across documents (unique names, the single-project
rule, ...) are beyond what a JSON Schema can say and live in ``rules.py``.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.config.models import DOCUMENT_ADAPTER


def document_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one document under ``projects.d/``."""
    body = DOCUMENT_ADAPTER.json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "reconciler/v1 document (Company, Project, Role, Policy or Review)",
        **body,
    }


def schema_text() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(document_schema(), indent=2, ensure_ascii=False) + "\n"
