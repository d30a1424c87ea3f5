"""``reconciler sandbox init``, ``serve``, ``token`` and ``user``: argument handling, the
served sandbox, and users and tokens handed out from the shell."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from usercli import BUNDLED_CONFIG, UserShell

from reconciler.cli.main import cli
from reconciler.sandbox.app import create_app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sandbox", *args])
    return result.exit_code, result.output


def test_init_prints_a_token_that_works(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    code, output = _run("init", "--db", str(db), "--demo")
    assert code == 0 and db.exists()
    token = output.strip()
    assert token.startswith("rsb_") and len(token) > 30


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert _run("init", "--db", str(db))[0] == 0
    result = CliRunner().invoke(cli, ["sandbox", "init", "--db", str(db)])
    assert result.exit_code != 0
    assert "already exists" in str(result.exception) + result.output
    assert _run("init", "--db", str(db), "--force", "--demo")[0] == 0


def test_init_writes_the_token_to_a_private_file(tmp_path: Path) -> None:
    db, token_file = tmp_path / "s.db", tmp_path / "keys" / "admin.token"
    code, output = _run("init", "--db", str(db), "--demo", "--token-file", str(token_file))
    assert code == 0
    token = token_file.read_text().strip()
    assert token.startswith("rsb_") and token not in output and str(token_file) in output
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_serve_refuses_remote_hosts_and_missing_db(tmp_path: Path) -> None:
    remote = CliRunner().invoke(
        cli, ["sandbox", "serve", "--db", str(tmp_path / "s.db"), "--host", "0.0.0.0"]
    )
    assert remote.exit_code != 0 and "loopback" in str(remote.exception)
    missing = CliRunner().invoke(cli, ["sandbox", "serve", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code != 0 and "sandbox init" in str(missing.exception)


def test_served_sandbox_answers_over_a_real_socket(served_sandbox: tuple[str, str]) -> None:
    base_url, token = served_sandbox
    assert base_url.startswith("http://127.0.0.1:")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        assert client.get("/whoami").json()["login"] == "reconciler"
        created = client.post("/projects", json={"name": "Over HTTP"})
        assert created.status_code == 201
        listed = client.get("/projects", params={"include": "members"}).json()
        assert [p["name"] for p in listed["items"]] == ["Default", "Over HTTP"]


def _whoami(db: Path, token: str) -> dict[str, object]:
    with TestClient(create_app(db)) as client:
        answer = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def company(user_shell: UserShell) -> UserShell:
    """The demo company in ``co.db`` in the shell's directory (relative paths only)."""
    done = user_shell.run("sandbox", "init", "--db", "co.db", "--demo", "--token-file", "a.token")
    assert done.returncode == 0, done.stderr
    return user_shell


def test_sandbox_token_hands_out_a_token_for_another_user(company: UserShell) -> None:
    done = company.run(
        "sandbox", "token", "--db", "co.db", "--user", "olga.admin", "--token-file", "olga.token"
    )
    assert done.returncode == 0, done.stderr
    token = company.read("olga.token").strip()
    assert stat.S_IMODE(company.path("olga.token").stat().st_mode) == 0o600
    assert token not in done.stdout + done.stderr and "olga.token" in done.stdout
    assert _whoami(company.path("co.db"), token)["login"] == "olga.admin"
    printed = company.run("sandbox", "token", "--db", "co.db", "--user", "qa.lead")
    assert printed.returncode == 0, printed.stderr
    assert _whoami(company.path("co.db"), printed.stdout.strip())["login"] == "qa.lead"


def test_sandbox_user_creates_a_user_with_roles_groups_and_projects(company: UserShell) -> None:
    db = company.path("co.db")
    args = ["--role", "view_all", "--role", "Admin", "--group", "night-shift"]
    done = company.run(
        "sandbox", "user", "--db", "co.db", "new.agent", *args, "--project", "Default",
        "--name", "New Agent", "--token-file", "keys/agent.token",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Created user new.agent (view_all, Admin)" in done.stderr
    me = _whoami(db, company.read("keys/agent.token").strip())
    assert (me["login"], me["name"], me["is_admin"]) == ("new.agent", "New Agent", True)
    assert "view_all" in me["permissions"]  # type: ignore[operator]
    member = (
        "SELECT COUNT(*) FROM {t} m JOIN users u ON u.id = m.user_id WHERE u.login = 'new.agent'"
    )
    assert _count(db, member.format(t="group_members")) == 1
    assert _count(db, member.format(t="project_users")) == 1
    again = company.run("sandbox", "user", "--db", "co.db", "new.agent", "--role", "project_list")
    assert again.returncode == 0 and "Updated user new.agent" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "--user", "olga.admn"], "no user 'olga.admn'; did you mean 'olga.admin'?"),
        (["user", "x", "--role", "view_al"], "no role named 'view_al'; did you mean 'view_all'?"),
        (["user", "x", "--group", "nigth-shift"], "did you mean 'night-shift'?"),
        (["user", "x", "--project", "Nowhere"], "no project named 'Nowhere'"),
        (["user", "a b"], "login 'a b' must be one word"),
        (["user", "x", "--token-file", "a.token"], "a.token already exists; pass --force"),
        (["token", "--user", "qa.lead", "--token-file", "a.token"], "a.token already exists"),
    ],
)
def test_sandbox_user_and_token_refuse_unknown_names_and_write_nothing(
    company: UserShell, args: list[str], message: str
) -> None:
    db = company.path("co.db")
    before = (_count(db, "SELECT COUNT(*) FROM users"), _count(db, "SELECT COUNT(*) FROM tokens"))
    token_file = [] if "--token-file" in args else ["--token-file", "t.token"]
    done = company.run("sandbox", args[0], "--db", "co.db", *args[1:], *token_file)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not company.path("t.token").exists()
    after = (_count(db, "SELECT COUNT(*) FROM users"), _count(db, "SELECT COUNT(*) FROM tokens"))
    assert after == before


def test_sandbox_user_and_token_need_an_existing_database(user_shell: UserShell) -> None:
    for args in (["token", "--user", "olga.admin"], ["user", "x"]):
        done = user_shell.run("sandbox", args[0], "--db", "typo/co.db", *args[1:])
        assert done.returncode == 2 and "does not exist" in done.stderr
        assert not user_shell.path("typo").exists()
    user_shell.write("notes.db", "not a database\n")
    done = user_shell.run("sandbox", "token", "--db", "notes.db", "--user", "x")
    assert done.returncode == 2 and "not a sandbox database" in done.stderr


def test_a_user_made_in_the_shell_meets_the_read_guard(company: UserShell) -> None:
    """README's example: a project_list user's token cannot plan (it cannot read all)."""
    shutil.copytree(BUNDLED_CONFIG, company.path("projects.d"))
    made = company.run(
        "sandbox", "user", "--db", "co.db", "new.agent", "--role", "project_list",
        "--group", "bank-collectors", "--project", "Default", "--token-file", "agent.token",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    done = company.run("plan", "--target", "sandbox:co.db", "--token-file", "agent.token")
    assert done.returncode == 1
    assert "'new.agent' cannot read the whole company" in done.stderr
