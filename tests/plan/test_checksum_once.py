"""A plan's checksum is computed once: rendering, the audit record and every write
header ask for it, and at 10,000 projects each computation serialized the whole plan."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from planner_helpers import ADMINS, desired, proj, world

from reconciler.plan.model import Plan
from reconciler.plan.planner import plan


def made() -> Plan:
    return plan(desired(proj("A", ["u"]), proj("B", ["u"])), world(proj("A"), roles=[ADMINS]))


def test_the_checksum_is_serialized_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result = made()
    bodies = []
    body = Plan.body

    def counted(self: Plan) -> dict[str, object]:
        bodies.append(self)
        return body(self)

    monkeypatch.setattr(Plan, "body", counted)
    first = result.checksum()
    assert result.to_data()["checksum"] == first
    assert result.checksum() == first
    assert len(bodies) == 2  # once for the checksum, once for the data it goes with
    blob = json.dumps(body(result), sort_keys=True, separators=(",", ":"))
    assert first == "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def test_a_changed_copy_has_its_own_checksum() -> None:
    result = made()
    first = result.checksum()
    other = replace(result, allow_delete=("B",))
    assert other.checksum() != first
    assert other == replace(other)  # the remembered checksum is no part of equality
    assert replace(other, allow_delete=()).checksum() == first
