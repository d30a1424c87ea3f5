"""The committed JSON Schema is current and agrees with the Pydantic models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from config_helpers import RULE_FIXTURES, SCHEMA_FILE, example_files, invalid_fixtures
from pydantic import ValidationError

from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.config.schema import document_schema, schema_text
from reconciler.config.yamlread import parse_text

VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def schema_accepts(value: object) -> bool:
    return VALIDATOR.is_valid(value)


def models_accept(value: object) -> bool:
    try:
        DOCUMENT_ADAPTER.validate_python(value)
    except ValidationError:
        return False
    return True


def documents_of(path: Path) -> list[object] | None:
    """The file's documents, or None when it cannot be read as YAML at all."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    parsed = parse_text(text)
    return None if parsed.problems or not parsed.documents else [d.value for d in parsed.documents]


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "schemas/projects.schema.json is stale: run `reconciler schema`"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(document_schema())
    assert "apiVersion" in json.dumps(document_schema())


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_every_example_document_is_valid_for_both(path: Path) -> None:
    documents = documents_of(path)
    assert documents
    for value in documents:
        assert schema_accepts(value) and models_accept(value)


@pytest.mark.parametrize("path", invalid_fixtures(), ids=lambda p: p.stem)
def test_fixtures_get_the_same_verdict_from_schema_and_models(path: Path) -> None:
    documents = documents_of(path)
    if documents is None:
        pytest.skip("not YAML the schema could see (syntax, encoding, aliases, ...)")
    verdicts = [(schema_accepts(v), models_accept(v)) for v in documents]
    assert all(schema == model for schema, model in verdicts), verdicts
    if path.name in RULE_FIXTURES:
        # rules across documents: every document is fine alone, for both
        assert all(model for _, model in verdicts)
    else:
        assert not all(model for _, model in verdicts)
