"""A plan's checksum: ``json.dumps(body, sort_keys=True, separators=(",", ":"))`` hashed,
written to the hash in pieces and computed once (rendering, the audit record and every
write header ask for it; at 10,000 projects the text of a large plan is over 100 MB)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from planner_helpers import ADMINS, desired, proj, q, role, world

import reconciler.plan.model as model
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan


def made() -> Plan:
    live = world(
        proj("A", ["u1", "ü2"], objects=[q("Bank «inbound»")]),
        proj("B", ["u3"]),
        roles=[ADMINS, role("Sup", ["view_all"], ["u3"])],
        users=["u1", "ü2", "u3", "u4"],
    )
    want = desired(proj("A", ["u1"]), proj("B", ["u3", "u4"], objects=[q("Bank «inbound»")]))
    return plan(want, live)


def canonical(result: Plan) -> str:
    blob = json.dumps(result.body(), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def test_the_checksum_is_the_hash_of_the_canonical_body() -> None:
    result = made()
    assert result.changes and result.access_impact  # long lists in pieces, and others
    assert result.checksum() == canonical(result)
    for other in (
        replace(result, allow_delete=("B",), as_of="2026-12-01"),
        replace(result, changes=(), access_impact=()),
        plan(desired(), world(roles=[ADMINS])),
    ):
        assert other.checksum() == canonical(other)
    assert result.to_data()["checksum"] == canonical(result)


def test_the_checksum_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result = made()
    computed = []
    checksum = model._checksum

    def counted(body: dict[str, object]) -> str:
        computed.append(body)
        return checksum(body)

    monkeypatch.setattr(model, "_checksum", counted)
    first = result.checksum()
    assert result.to_data()["checksum"] == first
    assert result.checksum() == first
    assert len(computed) == 1


def test_a_changed_copy_has_its_own_checksum() -> None:
    result = made()
    first = result.checksum()
    other = replace(result, allow_delete=("B",))
    assert other.checksum() != first
    assert other == replace(other)  # the remembered checksum is no part of equality
    assert replace(other, allow_delete=()).checksum() == first
