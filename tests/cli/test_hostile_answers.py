"""A server whose answer nests JSON far deeper than a parser recurses (with an escape, so
the token scrubber must decode it) is one clear error, on both APIs, never a traceback.

The sandbox never answers that, so a tiny loopback HTTP server plays that platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from loopback import loopback_server
from usercli import UserShell

DEEP = ("[" * 100_000 + '"\\u0041"').encode()


class Deep(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DEEP)))
        self.end_headers()
        self.wfile.write(DEEP)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def deep_server() -> Iterator[str]:
    with loopback_server(Deep) as url:
        yield url


@pytest.mark.parametrize("face", ["{}/api/v1", "okitoki:{}"])
@pytest.mark.parametrize("command", [("plan",), ("doctor",)])
def test_a_deeply_nested_answer_is_one_error(
    user_repo: UserShell, deep_server: str, face: str, command: tuple[str, ...]
) -> None:
    env = {"RECONCILER_TARGET": face.format(deep_server), "RECONCILER_TOKEN": "t0ken"}
    done = user_repo.run(*command, env=env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "RecursionError" not in done.stderr
    said = done.stdout + done.stderr
    assert "unexpected response" in said or "did not answer as expected" in said
