"""Bad option values: one clear message, exit 2, no traceback, nothing written, from
every command, typed the way a user types them (relative paths, a git repository)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from usercli import UserShell

from reconciler.cli.options import DEFAULT_TARGET, parse_since
from reconciler.engine.targets import DEFAULT_SANDBOX

TYPO = "sandbox:typo/x.db"

CASES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "validate --config-dir missing": (("validate", "--config-dir", "nope"), {}),
    "validate DIR missing": (("validate", "nope"), {}),
    "validate env config dir missing": (("validate",), {"RECONCILER_CONFIG_DIR": "nope"}),
    "plan --target foo": (("plan", "--target", "foo"), {}),
    "plan --target sandbox typo": (("plan", "--target", TYPO), {}),
    "plan env target foo": (("plan",), {"RECONCILER_TARGET": "foo"}),
    "plan --config-dir missing": (("plan", "--config-dir", "nope"), {}),
    "plan --token-file missing": (("plan", "--token-file", "missing.token"), {}),
    "plan env read timeout": (("plan",), {"RECONCILER_READ_TIMEOUT": "soon"}),
    "plan --max-remove-share 2": (("plan", "--max-remove-share", "2"), {}),
    # a threshold of nan is never crossed: the guard it sets would never fire
    "plan --max-remove-share nan": (("plan", "--max-remove-share", "nan"), {}),
    "plan --max-delete-share nan": (("plan", "--max-delete-share", "NaN"), {}),
    "apply --max-remove-share nan": (("apply", "--auto-approve", "--max-remove-share", "nan"), {}),
    "apply --lock-timeout nan": (("apply", "--auto-approve", "--lock-timeout", "nan"), {}),
    "plan --out in a missing directory": (("plan", "--out", "nodir/plan.json"), {}),
    "apply --target foo": (("apply", "--auto-approve", "--target", "foo"), {}),
    "apply --target sandbox typo": (("apply", "--auto-approve", "--target", TYPO), {}),
    "apply --config-dir missing": (("apply", "--auto-approve", "--config-dir", "nope"), {}),
    "apply PLAN_FILE missing": (("apply", "missing-plan.json"), {}),
    "drift --since yesterday": (("drift", "--since", "yesterday"), {}),
    "drift --since 24x": (("drift", "--since", "24x"), {}),
    "drift --since 2026-13-01": (("drift", "--since", "2026-13-01"), {}),
    "drift --target foo": (("drift", "--target", "foo"), {}),
    "drift --config-dir missing": (("drift", "--config-dir", "nope"), {}),
    "report access --target foo": (("report", "access", "--user", "x", "--target", "foo"), {}),
    "report access desired, config missing": (
        ("report", "access", "--user", "x", "--state", "desired", "--config-dir", "nope"),
        {},
    ),
    "report access without a question": (("report", "access"), {}),
    "import --target foo": (("import", "--out", "imported", "--target", "foo"), {}),
    "import --target sandbox typo": (("import", "--out", "imported", "--target", TYPO), {}),
    "audit verify --log DIR": (("audit", "verify", "--log", "projects.d"), {}),
    "audit log --format xml": (("audit", "log", "--format", "xml"), {}),
    "audit repair --log DIR": (("audit", "repair", "--log", "projects.d"), {}),
    "sandbox serve --db missing": (("sandbox", "serve", "--db", "missing.db"), {}),
    "sandbox serve --port 99999": (("sandbox", "serve", "--db", "x.db", "--port", "99999"), {}),
    "sandbox init --db DIR": (("sandbox", "init", "--db", "projects.d"), {}),
}


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and modification time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            stat = path.lstat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_value_is_one_message_and_exit_2(user_repo: UserShell, case: str) -> None:
    args, env = CASES[case]
    before = tree(user_repo.cwd.parent)
    done = user_repo.run(*args, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    messages = [line for line in done.stderr.splitlines() if line.lower().startswith("error:")]
    assert len(messages) == 1, done.stderr
    assert tree(user_repo.cwd.parent) == before, "nothing written"


def test_a_typo_in_a_sandbox_target_says_how_to_create_it(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--target", TYPO)
    assert "sandbox database typo/x.db does not exist" in done.stderr
    create = "reconciler sandbox init --db typo/x.db --demo --token-file typo/x.db.token"
    assert create in done.stderr
    made = user_repo.run(
        "sandbox", "init", "--db", "typo/x.db", "--demo", "--token-file", "typo/x.db.token"
    )
    assert made.returncode == 0, made.stderr
    planned = user_repo.run("plan", "--target", TYPO)
    assert planned.returncode == 0, planned.stderr
    assert "Created the embedded sandbox" not in planned.stderr


def test_the_default_sandbox_is_still_created_on_first_use(user_repo: UserShell) -> None:
    assert f"sandbox:{DEFAULT_SANDBOX.as_posix()}" == DEFAULT_TARGET
    done = user_repo.run("plan")
    assert done.returncode == 0, done.stderr
    assert "Created the embedded sandbox .reconciler/sandbox.db" in done.stderr
    assert user_repo.path(".reconciler/sandbox.db").is_file()


@pytest.mark.parametrize(
    "since",
    [
        "24h",
        "7d",
        "30m",
        "90s",
        "1h30m",
        "2026-11-30",
        "2026-11-30T10:00",
        "2026-11-30T10:00Z",
        "2026-11-30T10:00:00+02:00",
        "2026-11-30 10:00",
    ],
)
def test_drift_since_takes_what_a_user_types(user_repo: UserShell, since: str) -> None:
    done = user_repo.run("drift", "--since", since)  # the fresh sandbox differs: log read
    assert done.returncode == 2, done.stderr
    assert "error" not in done.stderr.lower()


NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1h30m", NOW - timedelta(minutes=90)),
        ("90s", NOW - timedelta(seconds=90)),
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
        ("2026-11-30T10:00", datetime(2026, 11, 30, 10, tzinfo=UTC)),
        ("2026-11-30T10:00Z", datetime(2026, 11, 30, 10, tzinfo=UTC)),
        ("2026-11-30T10:00+02:00", datetime(2026, 11, 30, 8, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "24", "h", "24h x", "-1d", "1.5h", "30.11.2026"])
def test_parse_since_refuses_the_rest(text: str) -> None:
    with pytest.raises(ValueError):
        parse_since(text, NOW)
