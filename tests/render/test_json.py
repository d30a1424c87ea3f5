from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.plan.model import Plan
from reconciler.render.json import render_json

Golden = Callable[[str, str], None]
SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text(encoding="utf-8")
)


def test_realistic_plan_matches_golden(realistic_plan: Plan, golden: Golden) -> None:
    golden("realistic.json", render_json(realistic_plan))


def test_json_is_exactly_plan_data(realistic_plan: Plan) -> None:
    canonical = json.loads(json.dumps(realistic_plan.to_data()))
    assert json.loads(render_json(realistic_plan)) == canonical


@pytest.mark.parametrize("name", ["realistic_plan", "blocked_plan", "empty_plan"])
def test_the_bytes_are_those_of_json_dumps(name: str, request: pytest.FixtureRequest) -> None:
    """The fast writer (the access impact written from the plan's own sights) gives the
    bytes of the standard library's indented, key-sorted encoding of ``to_data()``."""
    plan: Plan = request.getfixturevalue(name)
    standard = json.dumps(plan.to_data(), sort_keys=True, indent=2, ensure_ascii=False)
    assert render_json(plan) == standard + "\n"
    assert plan.to_data(impact=False) == {
        k: v for k, v in plan.to_data().items() if k != "access_impact"
    }


@pytest.mark.parametrize("name", ["realistic_plan", "blocked_plan", "empty_plan"])
def test_output_validates_against_the_published_schema(
    name: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(name)
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(json.loads(render_json(plan)), SCHEMA, cls=jsonschema.Draft202012Validator)


def _broken(data: dict[str, Any], how: str) -> dict[str, Any]:
    if how == "no checksum":
        del data["checksum"]
    elif how == "unknown change":
        data["changes"][0]["type"] = "teleport"
    elif how == "bad move":
        move = next(c for c in data["changes"] if c["type"] == "object_move")
        del move["target"]
    return data


@pytest.mark.parametrize("how", ["no checksum", "unknown change", "bad move"])
def test_schema_rejects_malformed_plans(realistic_plan: Plan, how: str) -> None:
    data = _broken(json.loads(render_json(realistic_plan)), how)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
