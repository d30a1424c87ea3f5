"""A server that echoes the token back (as the user's login, in error messages, in the
reason phrase) never gets it printed: the client redacts every string it parses.

The sandbox never echoes a token, so a tiny loopback HTTP server plays that platform.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from loopback import loopback_server
from usercli import UserShell

SECRET = "s3cr3t/T0ken-echoed"  # the slash gets JSON-escaped by the server


def escaped(text: str) -> str:
    """JSON for ``text`` the way some servers write it: ``\\/`` and a ``\\u`` escape."""
    return json.dumps(text).replace("/", "\\/").replace("s", "\\u0073", 1)


class Echo(BaseHTTPRequestHandler):
    """Answers GET /api/v1/whoami with the token as login (no rights); anything else
    with a 404 naming the token, the reason phrase included."""

    def do_GET(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.path.startswith("/api/v1/whoami"):
            status, reason = 200, "OK"
            body = (
                f'{{"id": 1, "login": {escaped(token)}, "name": "{token}", '
                '"is_admin": false, "permissions": []}'
            )
        else:
            status, reason = 404, f"no {token}"
            body = json.dumps({"error": {"code": token, "message": f"unknown token {token}"}})
        data = body.encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def echo_server() -> Iterator[str]:
    with loopback_server(Echo) as url:
        yield f"{url}/api/v1"


COMMANDS = {
    "plan": ("plan",),
    "apply": ("apply", "--auto-approve"),
    "drift": ("drift",),
    "report access": ("report", "access", "--user", "bank.anna"),
    "import": ("import", "--out", "imported"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_an_echoed_token_is_never_printed(
    user_repo: UserShell, echo_server: str, name: str
) -> None:
    env = {"RECONCILER_TARGET": echo_server, "RECONCILER_TOKEN": SECRET}
    done = user_repo.run(*COMMANDS[name], env=env)
    assert done.returncode == 1, done.stderr
    assert "cannot read the whole company" in done.stderr
    assert "the token's user '***'" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_an_echoed_token_in_an_error_answer_is_never_printed(
    user_repo: UserShell, echo_server: str
) -> None:
    env = {"RECONCILER_TARGET": echo_server.removesuffix("/api/v1") + "/elsewhere"}
    done = user_repo.run("plan", env={**env, "RECONCILER_TOKEN": SECRET})
    assert done.returncode == 1, done.stderr
    assert "HTTP 404" in done.stderr and "unknown token ***" in done.stderr
    assert SECRET not in done.stdout + done.stderr
