"""``reconciler sandbox init`` and ``serve`` argument handling; the served sandbox."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from click.testing import CliRunner

from reconciler.cli.main import cli


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
