"""The exported OpenAPI document is current and describes the contract."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli.main import cli
from reconciler.sandbox.openapi import render_openapi

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


def test_committed_openapi_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_openapi(), (
        "schemas/openapi.json is stale: run `reconciler sandbox openapi --out schemas/openapi.json`"
    )


def test_document_covers_every_path_of_the_contract() -> None:
    doc = json.loads(render_openapi())
    paths = {p.removeprefix("/api/v1") for p in doc["paths"]}
    assert paths == {
        "/whoami",
        "/company",
        "/users",
        "/groups",
        "/groups/{group_id}/members",
        "/roles",
        "/roles/{role_id}",
        "/roles/{role_id}/holders",
        "/objects",
        "/objects/{object_id}",
        "/projects",
        "/projects/{project_id}",
        "/projects/{project_id}/contents",
        "/moves",
        "/changelog",
        "/admin/faults",
    }
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_cli_writes_the_same_document(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    result = CliRunner().invoke(cli, ["sandbox", "openapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_openapi()
    printed = CliRunner().invoke(cli, ["sandbox", "openapi"])
    assert printed.output == render_openapi()
