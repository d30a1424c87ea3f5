"""Time-limited access end to end, with a fake clock (``--now``) through the real CLI:
validate, plan, apply (a saved plan too), drift, report access, in a committed repo."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from usercli import UserShell

from reconciler.audit.log import AuditLog

BANK = "projects.d/projects/bank-collections.yaml"
ROLES = "projects.d/roles.yaml"
ZOE = '    - {login: trainee.zoe, until: 2026-12-31, reason: "holiday cover"}\n'
QA = "  - login: qa.lead   # covers for the bank's supervisor\n    until: 2027-01-15\n"
PLAN_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text(encoding="utf-8")
)


def line_of(shell: UserShell, path: str, text: str) -> int:
    return next(i for i, ln in enumerate(shell.read(path).splitlines(), 1) if text in ln)


@pytest.fixture
def timed(user_repo: UserShell) -> UserShell:
    """The bundled company, with trainee.zoe covering in Bank Collections until the end
    of 2026 (no longer at the front desk) and qa.lead a Supervisor until 2027-01-15;
    applied on 2026-12-01."""
    user_repo.edit(BANK, lambda t: t.replace("    - bank.hana\n", "    - bank.hana\n" + ZOE))
    user_repo.edit(
        "projects.d/projects/default.yaml",
        lambda t: t.replace("    - trainee.zoe   # trainees answer the front desk", "    #"),
    )
    user_repo.edit(ROLES, lambda t: t.replace("  - sv.delivery\n", "  - sv.delivery\n" + QA))
    user_repo.commit_all("Holiday cover for the bank")
    done = user_repo.run("apply", "--auto-approve", "--now", "2026-12-01")
    assert done.returncode == 0, done.stderr
    return user_repo


def plan_json(shell: UserShell, now: str, *extra: str) -> dict[str, Any]:
    done = shell.run("plan", "--format", "json", "--now", now, *extra)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    jsonschema.validate(data, PLAN_SCHEMA)
    return data


def test_before_the_date_the_plan_says_when_access_expires(timed: UserShell) -> None:
    data = plan_json(timed, "2026-12-20")
    assert data["changes"] == []
    assert data["as_of"] == "2026-12-20"
    at = f"{BANK}:{line_of(timed, BANK, 'trainee.zoe')}"
    assert (
        f"user trainee.zoe in project Bank Collections expires in 11 days (2026-12-31, {at}): "
        "holiday cover"
    ) in data["notes"]
    assert any(
        n.startswith("role Supervisor: holder qa.lead expires in 26 days") for n in data["notes"]
    )
    drift = timed.run("drift", "--now", "2026-12-30T23:59:59Z")
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_on_the_date_plan_apply_and_drift_remove_the_access(timed: UserShell) -> None:
    at = f"{BANK}:{line_of(timed, BANK, 'trainee.zoe')}"
    drift = timed.run("drift", "--format", "json", "--now", "2026-12-31")
    assert drift.returncode == 2, drift.stderr
    items = json.loads(drift.stdout)["items"]
    assert [(i["project"], i["subject"], i["files"]) for i in items] == [
        (
            "Bank Collections",
            "user trainee.zoe",
            f"member, expired on 2026-12-31 ({at}): holiday cover",
        )
    ]
    data = plan_json(timed, "2026-12-31", "--out", "plan.json")
    removal = {
        "type": "member_remove",
        "action": "remove",
        "project": "Bank Collections",
        "member_type": "user",
        "member": "trainee.zoe",
        "reason": f"expired on 2026-12-31 ({at}): holiday cover",
    }
    assert data["changes"] == [removal]
    assert data["as_of"] == "2026-12-31"
    early = timed.run("apply", "plan.json", "--now", "2026-12-30")
    assert early.returncode == 1
    assert "the plan was made as of 2026-12-31, it is 2026-12-30 now" in early.stderr
    assert "(reviewed, no longer planned)" in early.stderr
    applied = timed.run("apply", "plan.json", "--now", "2026-12-31")
    assert applied.returncode == 0, applied.stderr
    started = [e.data for e in AuditLog(timed.path(".reconciler/audit.jsonl")).entries()][-2]
    assert started["type"] == "apply_started"
    assert started["as_of"] == "2026-12-31"
    assert [c["reason"] for c in started["changes"]] == [removal["reason"]]
    assert timed.run("drift", "--now", "2026-12-31").returncode == 0
    assert plan_json(timed, "2027-01-01")["changes"] == []


def test_a_role_holding_expires_too(timed: UserShell) -> None:
    at = f"{ROLES}:{line_of(timed, ROLES, 'login: qa.lead')}"
    data = plan_json(timed, "2027-01-15")
    holders = [c for c in data["changes"] if c["type"] == "role_holder_remove"]
    assert holders == [
        {
            "type": "role_holder_remove",
            "action": "remove",
            "role": "Supervisor",
            "user": "qa.lead",
            "reason": f"expired on 2027-01-15 ({at})",
        }
    ]
    text = timed.run("plan", "--now", "2027-01-15").stdout
    assert f"- role Supervisor: holder qa.lead\n      reason: expired on 2027-01-15 ({at})" in text


def test_validate_warns_at_an_expired_entry_and_stays_valid(timed: UserShell) -> None:
    line = line_of(timed, BANK, "trainee.zoe")
    done = timed.run("validate", "--now", "2027-01-01")
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[0] == (
        f"{BANK}:{line}:7: warning: user 'trainee.zoe' in project 'Bank Collections' expired "
        "on 2026-12-31 (holiday cover): the next plan removes this access; the entry can go"
    )
    assert timed.run("validate", "--now", "2026-12-30").stdout.startswith("ok: ")


def test_the_access_report_says_when_access_expires(timed: UserShell) -> None:
    done = timed.run("report", "access", "--user", "trainee.zoe", "--now", "2026-12-21")
    assert done.returncode == 0, done.stderr
    assert "  Bank Collections (directly; expires in 10 days (2026-12-31))" in done.stdout


@pytest.mark.parametrize("command", ["plan", "apply", "drift", "validate", "review"])
def test_a_bad_now_is_a_usage_error(user_repo: UserShell, command: str) -> None:
    done = user_repo.run(command, "--now", "next tuesday")
    assert done.returncode == 2
    assert "'next tuesday' is not a time" in done.stderr
    assert not user_repo.path(".reconciler/audit.jsonl").exists()


def test_a_bad_until_is_an_error_at_its_place(user_repo: UserShell) -> None:
    user_repo.edit(
        BANK,
        lambda t: t.replace("    - bank.hana\n", "    - {login: bank.hana, until: 31.12.2026}\n"),
    )
    done = user_repo.run("validate")
    assert done.returncode == 1
    line = line_of(user_repo, BANK, "31.12.2026")
    assert (
        f"{BANK}:{line}:26: error: members.users[8].until: expected a date as YYYY-MM-DD "
        "(e.g. 2026-12-31), got '31.12.2026'"
    ) in done.stdout.splitlines()


def test_without_now_the_plan_is_made_for_the_wall_clock_day(timed: UserShell) -> None:
    before = datetime.now(UTC).date()
    data = plan_json(timed, datetime.now(UTC).isoformat())
    unset = timed.run("plan", "--format", "json")
    assert unset.returncode == 0, unset.stderr
    after = datetime.now(UTC).date()
    assert json.loads(unset.stdout)["as_of"] in {before.isoformat(), after.isoformat()}
    assert data["as_of"] in {before.isoformat(), after.isoformat()}
    later = (before + timedelta(days=400)).isoformat()
    assert plan_json(timed, later)["as_of"] == later


def test_the_desired_access_report_leaves_out_expired_access(timed: UserShell) -> None:
    args = ("report", "access", "--user", "trainee.zoe", "--state", "desired")
    before = timed.run(*args, "--now", "2026-12-30")
    assert "Bank Collections" in before.stdout
    # the expiry words come from the files the desired state was read from
    assert "  Bank Collections (directly; expires in 1 day (2026-12-31))" in before.stdout
    after = timed.run(*args, "--now", "2026-12-31")
    assert after.returncode == 0, after.stderr
    assert after.stdout == "trainee.zoe sees 0 objects (desired state).\n"
