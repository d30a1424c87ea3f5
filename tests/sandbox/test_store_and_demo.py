"""Storage guarantees (pragmas, atomic writes, concurrency) and company set-up helpers."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from reconciler.errors import UsageError
from reconciler.sandbox.demo import (
    demo_data,
    ensure_company,
    init_company,
    issue_token,
    make_user,
)
from reconciler.sandbox.store import Store


def test_schema_pragmas_and_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    with store.read() as conn:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO users (login, name) VALUES ('a', 'A')")
        raise RuntimeError("half-way")
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
        conn.execute("INSERT INTO group_members VALUES (1, 1)")  # no such group or user
    store.close()


def test_demo_company_matches_demo_data(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    init_company(db, demo=True)
    data = demo_data()
    conn = sqlite3.connect(db)
    logins = {r[0] for r in conn.execute("SELECT login FROM users")}
    assert logins == {u["login"] for u in data["users"]}
    assert conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0] == sum(
        len(names) for names in data["objects"].values()
    )
    admins = {
        r[0]
        for r in conn.execute(
            "SELECT u.login FROM role_holders h JOIN users u ON u.id = h.user_id "
            "JOIN roles r ON r.id = h.role_id WHERE r.builtin = 1"
        )
    }
    assert admins == set(data["admins"])
    assert conn.execute("SELECT name, version FROM projects").fetchall() == [("Default", 1)]
    conn.close()


def test_init_refuses_an_existing_db_unless_forced(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    first = init_company(db, demo=False)
    with pytest.raises(UsageError, match="already exists"):
        init_company(db, demo=True)
    second = init_company(db, demo=True, force=True)
    assert first != second
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 29
    conn.close()


def test_blank_company_holds_only_the_token_user(tmp_path: Path) -> None:
    db = tmp_path / "blank.db"
    init_company(db, demo=False)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT login FROM users").fetchall() == [("reconciler",)]
    assert conn.execute("SELECT security_type FROM company").fetchone()[0] == "advanced"
    conn.close()


def test_tokens_and_users_for_tests(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert ensure_company(db).startswith("rsb_") and db.exists()
    again = ensure_company(db)
    olga = issue_token(db, "olga.admin")
    assert len({again, olga}) == 2
    with pytest.raises(UsageError, match="no user"):
        issue_token(db, "nobody")
    make_user(db, "sv", roles=["view_all", "project_list"], groups=["night-shift"])
    with pytest.raises(UsageError, match="no role"):
        make_user(db, "x", roles=["superpowers"])
    with pytest.raises(UsageError, match="no project"):
        make_user(db, "x", projects=["Nowhere"])
    conn = sqlite3.connect(db)
    perms = {
        r[0]
        for r in conn.execute(
            "SELECT p.permission FROM role_permissions p JOIN role_holders h "
            "ON h.role_id = p.role_id JOIN users u ON u.id = h.user_id WHERE u.login = 'sv'"
        )
    }
    assert perms == {"view_all", "project_list"}
    conn.close()


def test_concurrent_writes_are_serialized(served_sandbox: tuple[str, str]) -> None:
    base_url, token = served_sandbox
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        pid = client.post("/projects", json={"name": "Busy"}).json()["id"]
        user_ids = [u["id"] for u in client.get("/users").json()["items"]]

        def add(uid: int) -> int:
            body = {"add": {"users": [uid]}}
            return client.post(f"/projects/{pid}/contents", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(add, user_ids))
        assert set(statuses) == {200}
        project = client.get(f"/projects/{pid}", params={"include": "members"}).json()
        assert project["users"] == sorted(user_ids)
        assert project["version"] == 1 + len(user_ids)
