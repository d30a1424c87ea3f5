"""``reconciler sandbox serve`` on a port something already listens on: one ``error:``
line naming the port, exit 1 (README: sandbox exits 0, 1 error, 2 unknown name or
missing database), not uvicorn's own log line and exit 3."""

from __future__ import annotations

import socket

from usercli import UserShell


def test_a_port_in_use_is_one_error_line_and_exit_1(user_repo: UserShell) -> None:
    assert user_repo.run("sandbox", "init", "--db", "s.db", "--demo").returncode == 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = user_repo.run("sandbox", "serve", "--db", "s.db", "--port", str(port), timeout=30)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use (another `sandbox serve`?): "
        "stop that server or pass another --port\n"
    )
