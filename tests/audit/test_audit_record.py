"""Audit records: pure building, round trips, no secrets."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from audit_helpers import SECRET, finished, member_add, started

from reconciler.apply.executor import ApplyResult, ChangeOutcome
from reconciler.audit.git import ci_metadata, git_metadata
from reconciler.audit.record import (
    AuditRecord,
    ChangeEntry,
    apply_finished,
    apply_started,
    target_label,
    utc_timestamp,
)
from reconciler.errors import AuditError
from reconciler.plan.changes import MemberAdd, ObjectMove


def test_started_record_lists_every_change_as_not_started() -> None:
    record = started([member_add("Bank", "alice"), member_add("Bank", "ops", "group")])
    assert record.type == "apply_started"
    assert [c.outcome for c in record.changes] == ["not_started", "not_started"]
    assert record.outcome is None and record.started_seq is None
    assert record.pr_number == 42  # from the commit subject: CI named none
    assert record.branch == "main"


def test_finished_record_keeps_the_context_and_takes_outcomes() -> None:
    begun = started()
    done = finished(begun, seq=1)
    assert done.type == "apply_finished" and done.started_seq == 1
    assert (done.actor, done.plan_checksum, done.git) == (
        begun.actor,
        begun.plan_checksum,
        begun.git,
    )
    assert done.changes[0].outcome == "applied"
    assert done.changes[0].change_ids == (100,)
    assert done.time != begun.time


def test_change_dicts_from_real_changes_and_executor_outcomes() -> None:
    move = ObjectMove(kind="queues", object="Bank IVR", source="Default", target="Bank")
    add = MemberAdd(project="Bank", member_type="user", member="alice")
    begun = started([move.to_dict(), add.to_dict()])
    outcomes = [
        {**move.to_dict(), "outcome": "applied", "change_ids": [7, 8]},
        {**add.to_dict(), "outcome": "failed", "change_ids": [], "error": "HTTP 412: stale"},
    ]
    done = apply_finished(begun, 3, time="t", outcome="partial", changes=outcomes)
    data = done.to_data()
    assert data["changes"][0] == {**move.to_dict(), "outcome": "applied", "change_ids": [7, 8]}
    assert data["changes"][1]["error"] == "HTTP 412: stale"
    assert data["outcome"] == "partial" and data["started_seq"] == 3


def test_round_trip_through_json() -> None:
    done = finished(started(), seq=5)
    again = AuditRecord.from_data(json.loads(json.dumps(done.to_data())))
    assert again == done


def test_the_delete_acknowledgements_are_recorded_and_kept_when_finished() -> None:
    begun = replace(started(), allow_delete=("Bank", "Fit"))
    done = finished(begun, seq=1)
    assert done.to_data()["allow_delete"] == ["Bank", "Fit"]
    assert AuditRecord.from_data(json.loads(json.dumps(done.to_data()))) == done
    assert started().to_data()["allow_delete"] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "member_add", "outcome": "maybe"},
        {"type": "member_add", "change_ids": ["x"]},
        {"action": "add"},
    ],
)
def test_bad_change_entries_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(AuditError):
        ChangeEntry.from_data(bad)


def test_bad_outcome_and_malformed_record() -> None:
    with pytest.raises(AuditError, match="not one of"):
        apply_finished(started(), 1, time="t", outcome="done", changes=[])
    with pytest.raises(AuditError, match="malformed"):
        AuditRecord.from_data({"type": "apply_started"})
    with pytest.raises(AuditError, match="unknown record type"):
        AuditRecord.from_data({"type": "apply_deleted"})


def test_target_label_strips_credentials() -> None:
    assert target_label(f"https://bot:{SECRET}@calls.example.com/api/v1?token={SECRET}") == (
        "https://calls.example.com/api/v1"
    )
    assert target_label("sandbox:.reconciler/sandbox.db") == "sandbox:.reconciler/sandbox.db"


def test_record_from_a_real_repo_holds_no_token(repo: Path) -> None:
    record = apply_started(
        time=utc_timestamp(),
        actor="local:alice",
        target=f"https://bot:{SECRET}@calls.example.com/api/v1",
        plan_checksum="sha256:x",
        live_fingerprint="l",
        desired_fingerprint="d",
        changes=[member_add("Bank", "alice")],
        git=git_metadata(repo / "projects.d", dirty=True),
        ci=ci_metadata({}),
    )
    text = json.dumps(record.to_data())
    assert SECRET not in text
    assert "git.example.com/acme/access.git" in text
    assert record.git.dirty is False


def test_utc_timestamp_format() -> None:
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert utc_timestamp(moment) == "2026-05-01T10:00:00Z"
    assert utc_timestamp().endswith("Z")


def test_the_executors_result_feeds_the_finished_record() -> None:
    add = MemberAdd(project="Bank", member_type="user", member="alice")
    move = ObjectMove(kind="queues", object="IVR", source="Default", target="Bank")
    result = ApplyResult(
        (
            ChangeOutcome(move, "applied", None, (3,)),
            ChangeOutcome(add, "unknown"),
        ),
        interrupted=True,
    )
    begun = started([c.change.to_dict() for c in result.outcomes])
    done = apply_finished(
        begun, 1, time="t", outcome=result.outcome, changes=[o.to_dict() for o in result.outcomes]
    )
    assert done.outcome == "interrupted"
    assert [(c.outcome, c.change_ids) for c in done.changes] == [("applied", (3,)), ("unknown", ())]
    assert done.changes[1].change == add.to_dict()
