"""``reconciler report access`` end to end against the demo company in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import cli

CONFIG = {
    "company.yaml": "apiVersion: reconciler/v1\nkind: Company\n",
    "bank.yaml": (
        "apiVersion: reconciler/v1\nkind: Project\nname: Bank Collections\n"
        "members:\n  users: [bank.anna]\n  groups: [bank-collectors]\n"
        "objects:\n  queues: [Bank Collections Inbound]\n  schedules: [Weekdays 9-18]\n"
    ),
}


def run(sandbox_db: tuple[Path, str], *args: str) -> Result:
    db, token = sandbox_db
    config = db.parent / "projects.d"
    config.mkdir(exist_ok=True)
    for name, text in CONFIG.items():
        (config / name).write_text(text, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        ["report", "access", "--target", f"sandbox:{db}", "--config-dir", str(config), *args],
        env={"RECONCILER_TOKEN": token, "NO_COLOR": "1"},
    )


def test_user_in_default_sees_everything_in_default(sandbox_db: tuple[Path, str]) -> None:
    result = run(sandbox_db, "--user", "bank.anna")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bank.anna sees ")
    assert "Projects:" in lines
    assert "  Default (directly, via group bank-collectors)" in lines
    assert "queues:" in lines
    assert "  FitLife Retention (project Default)" in lines
    assert result.stdout.index("queues:") < result.stdout.index("call_scripts:")
    assert token_free(result, sandbox_db[1])


def test_admin_sees_everything_and_says_why(sandbox_db: tuple[Path, str]) -> None:
    result = run(sandbox_db, "--user", "olga.admin")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "olga.admin sees everything (live state): Admin role.\n"


def test_who_can_see_an_object_with_reasons_as_json(sandbox_db: tuple[Path, str]) -> None:
    result = run(sandbox_db, "--object", "call_scripts/Bank IVR", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["state"] == "live"
    assert data["object"] == {"kind": "call_scripts", "name": "Bank IVR"}
    assert data["projects"] == ["Default"]
    by_user = {u["user"]: u["because"] for u in data["users"]}
    assert by_user["olga.admin"][0] == "Admin role"
    assert by_user["bank.anna"] == [
        "project Default directly",
        "project Default via group bank-collectors",
    ]
    assert list(by_user) == sorted(by_user)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "bank.ana"], "no user 'bank.ana'; did you mean bank.hana, bank.anna"),
        (["--object", "queue/Bank IVR"], "unknown object kind 'queue'; did you mean queues"),
        (["--object", "call_scripts/Bank IRV"], "did you mean Bank IVR"),
        (["--object", "Bank IVR"], "--object wants KIND/NAME"),
    ],
)
def test_unknown_names_get_did_you_mean(
    sandbox_db: tuple[Path, str], args: list[str], message: str
) -> None:
    result = run(sandbox_db, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], ["--user", "a", "--object", "queues/b"]])
def test_exactly_one_question(sandbox_db: tuple[Path, str], args: list[str]) -> None:
    result = run(sandbox_db, *args)
    assert result.exit_code == 2
    assert "exactly one of --user LOGIN and --object KIND/NAME" in result.stderr


def test_desired_state_restricts_a_placed_agent(sandbox_db: tuple[Path, str]) -> None:
    live = json.loads(run(sandbox_db, "--user", "bank.anna", "--format", "json").stdout)
    result = run(sandbox_db, "--user", "bank.anna", "--format", "json", "--state", "desired")
    assert result.exit_code == 0, result.stderr
    desired = json.loads(result.stdout)
    assert desired["state"] == "desired"
    assert "Default" in live["projects"] and "Default" not in desired["projects"]
    assert desired["projects"] == {"Bank Collections": ["directly", "via group bank-collectors"]}
    assert desired["objects"] == [
        {"kind": "queues", "object": "Bank Collections Inbound", "projects": ["Bank Collections"]},
        {"kind": "schedules", "object": "Weekdays 9-18", "projects": ["Bank Collections"]},
    ]


def test_bad_token_is_a_clear_error_without_the_token(sandbox_db: tuple[Path, str]) -> None:
    db, _ = sandbox_db
    result = CliRunner().invoke(
        cli,
        ["report", "access", "--target", f"sandbox:{db}", "--user", "bank.anna"],
        env={"RECONCILER_TOKEN": "not-the-token-4242"},
    )
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr
    assert "not-the-token-4242" not in result.output
    assert "Traceback" not in result.output


def token_free(result: Result, token: str) -> bool:
    return token not in result.stdout and token not in result.stderr
