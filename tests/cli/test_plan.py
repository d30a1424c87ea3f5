"""``reconciler plan`` end to end: files -> sandbox target -> rendering and exit code."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import cli
from reconciler.cli.output import use_color
from reconciler.plan.saved import load_saved_plan, verify_saved_plan
from reconciler.sandbox.demo import make_user

REPO = Path(__file__).parents[2]
PROJECTS_D = REPO / "projects.d"
DOC = "apiVersion: reconciler/v1\n"
COMPANY = DOC + "kind: Company\nsecurity_type: advanced\n"
BANK = DOC + textwrap.dedent(
    """\
    kind: Project
    name: Bank Collections
    description: Debt collection for Northwind Bank
    members:
      users: [sv.bank, bank.anna]
      groups: [bank-collectors]
    objects:
      queues: [Bank Collections Inbound]
      call_scripts: [Bank IVR]
      schedules: [Weekdays 9-18]
    """
)


#: Default declared empty: every Default member not placed elsewhere is removed outright.
EMPTY_DEFAULT = DOC + "kind: Project\nname: Default\n"


def write_config(root: Path, **files: str) -> Path:
    config = root / "projects.d"
    config.mkdir()
    for name, text in files.items():
        (config / f"{name}.yaml").write_text(text, encoding="utf-8")
    return config


@pytest.fixture
def bank_config(tmp_path: Path) -> Path:
    return write_config(tmp_path, company=COMPANY, bank=BANK)


def plan(
    sandbox_db: tuple[Path, str], config: Path, *args: str, target: str | None = None
) -> Result:
    db, token = sandbox_db
    return CliRunner().invoke(
        cli,
        ["plan", "--config-dir", str(config), "--target", target or f"sandbox:{db}", *args],
        env={"RECONCILER_TOKEN": token},
    )


def assert_clean(result: Result, token: str) -> None:
    assert "Traceback" not in result.output
    assert token not in result.output


def test_text_plan_moves_objects_out_of_default(
    sandbox_db: tuple[Path, str], bank_config: Path
) -> None:
    result = plan(sandbox_db, bank_config)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[" not in out  # not a terminal: no colour
    assert "  + project Bank Collections" in out
    assert "  > queues/Bank Collections Inbound: Default -> Bank Collections\n" in out
    assert "  > call_scripts/Bank IVR: Default -> Bank Collections\n" in out
    assert "  - group bank-collectors\n      reason: " in out
    # in each project's section, the order apply makes them: create, add and move, remove
    bank = out[out.index("project Bank Collections:") :]
    assert bank.index("  + project Bank Collections") < bank.index("  > queues/")
    assert "Plan: 1 to create," in out
    assert "Planning 2 documents" in result.stderr
    assert_clean(result, sandbox_db[1])


def test_json_plan_has_the_expected_shape(sandbox_db: tuple[Path, str], bank_config: Path) -> None:
    result = plan(sandbox_db, bank_config, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    changes = {
        (
            c["type"],
            c.get("project") or c.get("name") or c.get("target"),
            c.get("member") or c.get("object"),
        )
        for c in data["changes"]
    }
    assert ("project_create", "Bank Collections", None) in changes
    assert ("member_add", "Bank Collections", "bank-collectors") in changes
    assert ("member_add", "Bank Collections", "sv.bank") in changes
    assert ("object_move", "Bank Collections", "Bank IVR") in changes
    assert ("object_add", "Bank Collections", "Weekdays 9-18") in changes
    removals = [c for c in data["changes"] if c["type"] == "member_remove"]
    assert {(c["member_type"], c["member"]) for c in removals} >= {
        ("group", "bank-collectors"),
        ("user", "sv.bank"),
    }
    assert all(c["project"] == "Default" and c["reason"] for c in removals)
    assert data["applicable"] is True
    assert "Default" in data["unmanaged"]["projects"]
    assert any(d["user"] == "sv.bank" and d["lost"] for d in data["access_impact"])


def test_same_state_gives_byte_identical_output(
    sandbox_db: tuple[Path, str], bank_config: Path
) -> None:
    first = plan(sandbox_db, bank_config, "--format", "json").stdout
    second = plan(sandbox_db, bank_config, "--format", "json", "--no-cache").stdout
    assert first == second


def test_markdown_plan_for_a_pull_request(sandbox_db: tuple[Path, str], bank_config: Path) -> None:
    result = plan(sandbox_db, bank_config, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## Reconciler plan: :white_check_mark: applicable\n")
    assert "<details><summary><b>Bank Collections</b>: " in result.stdout


def test_a_read_only_token_plans_and_is_told_it_could_not_apply(
    sandbox_db: tuple[Path, str], bank_config: Path
) -> None:
    db, _ = sandbox_db
    reviewer = make_user(db, "pr.reviewer", roles=["view_all"])
    result = plan((db, reviewer), bank_config)
    assert result.exit_code == 0, result.output
    assert "+ project Bank Collections" in result.stdout
    assert "note: the token's user 'pr.reviewer' cannot apply this plan: it needs " in (
        result.stderr
    )
    assert "access_management, project_management" in result.stderr
    admin = plan(sandbox_db, bank_config)
    assert "note:" not in admin.stderr


@pytest.mark.parametrize(
    ("files", "detailed", "code"),
    [
        ({"company": COMPANY}, False, 0),
        ({"company": COMPANY}, True, 0),
        ({"company": COMPANY, "bank": BANK}, False, 0),
        ({"company": COMPANY, "bank": BANK}, True, 2),
    ],
)
def test_exit_codes(
    sandbox_db: tuple[Path, str],
    tmp_path: Path,
    files: dict[str, str],
    detailed: bool,
    code: int,
) -> None:
    config = write_config(tmp_path, **files)
    result = plan(sandbox_db, config, *(["--detailed-exitcode"] if detailed else []))
    assert result.exit_code == code, result.output
    if len(files) == 1:
        assert result.stdout.endswith("\n\nNo changes.\n")
        assert "Changes by project" not in result.stdout


@pytest.mark.parametrize("detailed", [False, True])
def test_unsafe_plan_is_rendered_and_exits_1(
    sandbox_db: tuple[Path, str], tmp_path: Path, detailed: bool
) -> None:
    config = write_config(tmp_path, company=COMPANY, bank=BANK, default=EMPTY_DEFAULT)
    args = ["--detailed-exitcode"] if detailed else []
    result = plan(sandbox_db, config, *args)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("!! NOT APPLICABLE: 1 blocking violation")
    assert "  > call_scripts/Bank IVR: Default -> Bank Collections\n" in result.stdout
    assert "removes 31 of 34 live memberships" in result.stdout  # 3 relocated to Bank
    allowed = plan(sandbox_db, config, *args, "--allow-mass-change")
    assert allowed.exit_code == (2 if detailed else 0), allowed.output


def test_out_saves_a_plan_that_verifies(
    sandbox_db: tuple[Path, str], bank_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    result = plan(sandbox_db, bank_config, "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    saved = load_saved_plan(out)
    assert saved.plan.checksum() == shown["checksum"]
    assert saved.target == f"sandbox:{sandbox_db[0]}"
    assert f"Saved the plan to {out}" in result.stderr
    verify_saved_plan(
        saved, live_fingerprint=shown["live_fingerprint"], files_digest=saved.files_digest
    )
    assert sandbox_db[1] not in out.read_text()


def test_config_errors_list_every_problem_with_position(
    sandbox_db: tuple[Path, str], tmp_path: Path
) -> None:
    bad = DOC + "kind: Project\nname: Bank\ncolour: red\nmembers:\n  users: [1]\n"
    config = write_config(tmp_path, company=COMPANY, bad=bad)
    result = plan(sandbox_db, config, "--detailed-exitcode")
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if "bad.yaml:" in line]
    assert len(errors) >= 2
    assert all(line.split(":")[1].isdigit() for line in errors)
    assert_clean(result, sandbox_db[1])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp://example.com/api/v1", "unknown target"),
        ("http://pbx.example.com/api/v1", "refusing plain http"),
    ],
)
def test_bad_targets_are_one_clear_line(
    sandbox_db: tuple[Path, str], bank_config: Path, target: str, message: str
) -> None:
    result = plan(sandbox_db, bank_config, "--detailed-exitcode", target=target)
    assert result.exit_code == 2, "a usage error, before any file is read"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_wrong_token_never_shown(sandbox_db: tuple[Path, str], bank_config: Path) -> None:
    db, _ = sandbox_db
    result = CliRunner().invoke(
        cli,
        ["plan", "--config-dir", str(bank_config), "--target", f"sandbox:{db}"],
        env={"RECONCILER_TOKEN": "wrong-token-0987654321"},
    )
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr
    assert_clean(result, "wrong-token-0987654321")


def test_plan_over_http_against_the_served_sandbox(
    served_sandbox: tuple[str, str],
    sandbox_db: tuple[Path, str],
    bank_config: Path,
    tmp_path: Path,
) -> None:
    url, token = served_sandbox
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            "--config-dir",
            str(bank_config),
            "--target",
            url,
            "--token-file",
            str(token_file),
            "--format",
            "json",
            "--detailed-exitcode",
        ],
        env={"RECONCILER_TOKEN": None},
    )
    assert result.exit_code == 2, result.output
    in_process = plan(sandbox_db, bank_config, "--format", "json")
    assert json.loads(result.stdout)["checksum"] == json.loads(in_process.stdout)["checksum"]
    assert_clean(result, token)


def test_bundled_projects_d_against_the_demo_company(sandbox_db: tuple[Path, str]) -> None:
    """The first plan splits Default into client projects. People leaving Default for
    their client's project are relocated, not removed, so the plan is applicable."""
    result = plan(sandbox_db, PROJECTS_D, "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    data = json.loads(result.stdout)
    assert data["applicable"] is True
    created = {c["name"] for c in data["changes"] if c["type"] == "project_create"}
    assert {"Bank Collections", "QuickDelivery"} <= created
    moves = [c for c in data["changes"] if c["type"] == "object_move"]
    assert moves and all(m["source"] == "Default" and m["target"] in created for m in moves)
    default_removals = [
        c for c in data["changes"] if c["type"] == "member_remove" and c["project"] == "Default"
    ]
    reasons = {c["member"]: c["reason"] for c in default_removals}
    assert reasons["bank.anna"].startswith("placed in project Bank Collections")
    assert reasons["bank-collectors"].startswith("placed in project Bank Collections")
    assert reasons["olga.admin"] == (  # not placed anywhere: removed as the file says
        f"not in members.users of project Default ({PROJECTS_D}/projects/default.yaml:12); "
        "holds Admin: still sees everything"
    )
    assert_clean(result, sandbox_db[1])


def test_colour_follows_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(no_color=False) is True
    assert use_color(no_color=True) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(no_color=False) is False


def test_unknown_live_reference_names_file_line_and_column(
    sandbox_db: tuple[Path, str], tmp_path: Path
) -> None:
    typo = BANK.replace("users: [sv.bank, bank.anna]", "users: [sv.bank, bank.ana]")
    config = write_config(tmp_path, company=COMPANY, bank=typo)
    result = plan(sandbox_db, config, "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["applicable"] is False
    blocking = [v for v in data["violations"] if v["blocking"]]
    assert len(blocking) == 1 and "bank.anna" in blocking[0]["message"]
    path, line, column = blocking[0]["position"].rsplit(":", 2)
    assert path.endswith("bank.yaml") and (int(line), int(column)) == (6, 20)
