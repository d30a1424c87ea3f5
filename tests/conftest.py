"""Shared fixtures: a demo-company sandbox database, the app on it, and the app served
by uvicorn on a loopback port.

    sandbox_db      -> (db_path, admin_token)   the demo company, freshly initialised
    asgi_app        -> FastAPI                  the sandbox app on sandbox_db (in-process)
    served_sandbox  -> (base_url, admin_token)  uvicorn on 127.0.0.1:<free port>
    user_repo       -> UserShell                a user's shell in a committed git repo
                                                holding the bundled projects.d/
    user_shell      -> UserShell                the same in an empty non-git directory

Extra callers with given roles: ``reconciler.sandbox.demo.make_user(db_path, login,
roles=[...], groups=[...], projects=[...]) -> token``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from usercli import UserShell, clean_environment, new_user_repo

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.demo import init_company


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/render/golden/ from the current renderings.",
    )


@pytest.fixture
def sandbox_db(tmp_path: Path) -> tuple[Path, str]:
    db_path = tmp_path / "sandbox.db"
    return db_path, init_company(db_path, demo=True)


@pytest.fixture
def asgi_app(sandbox_db: tuple[Path, str]) -> Iterator[FastAPI]:
    app = create_app(sandbox_db[0])
    yield app
    sandbox_of(app).store.close()


@pytest.fixture
def served_sandbox(asgi_app: FastAPI, sandbox_db: tuple[Path, str]) -> Iterator[tuple[str, str]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(asgi_app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()
    while not ready.wait(0.01):
        if server.started:
            ready.set()
        elif not thread.is_alive():
            raise RuntimeError("the sandbox server did not start")
    try:
        yield f"http://127.0.0.1:{port}/api/v1", sandbox_db[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def user_repo(tmp_path: Path) -> UserShell:
    """A committed git repository holding the bundled projects.d/, as a user's shell
    session in it (see ``tests/usercli.py``)."""
    return new_user_repo(tmp_path)


@pytest.fixture
def user_shell(tmp_path: Path) -> UserShell:
    """A user's shell session in an empty directory outside any git repository."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    return UserShell(work, clean_environment(home))
