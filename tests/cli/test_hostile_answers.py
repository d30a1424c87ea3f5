"""Hostile answers, on both APIs: JSON nested far deeper than a parser recurses (with
an escape, so the token scrubber must decode it) is one clear error, never a traceback;
a refusal that echoes the token where its text is cut never shows any of the token.

The sandbox never answers so, so a tiny loopback HTTP server plays that platform.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from loopback import loopback_server
from usercli import UserShell

DEEP = ("[" * 100_000 + '"\\u0041"').encode()


def answering(status: int, body: bytes) -> type[BaseHTTPRequestHandler]:
    """A handler that answers every GET and POST with ``status`` and the JSON ``body``."""

    class Answer(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    return Answer


@pytest.fixture
def deep_server() -> Iterator[str]:
    with loopback_server(answering(200, DEEP)) as url:
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


TOKEN = "SECRETtok_abcdef1234567890XYZ"
#: The token starts at character 480 of a refusal cut at 500: cut first, its start shows.
ECHOED = json.dumps({"error": {"code": "no", "message": "x" * 480 + TOKEN + " tail"}}).encode()


@pytest.mark.parametrize("face", ["{}/api/v1", "okitoki:{}"])
@pytest.mark.parametrize("command", [("plan",), ("doctor",)])
def test_a_token_echoed_across_the_cut_of_an_error_never_shows(
    user_repo: UserShell, face: str, command: tuple[str, ...]
) -> None:
    # every request refused, the token echoed across the length errors are cut to
    with loopback_server(answering(404, ECHOED)) as url:
        env = {
            "RECONCILER_TARGET": face.format(url),
            "RECONCILER_TOKEN": TOKEN,
            "RECONCILER_MAX_ATTEMPTS": "1",
        }
        done = user_repo.run(*command, env=env)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "x" * 100 in said  # the refusal is shown...
    assert TOKEN[:8] not in said  # ...and no start of the token
    assert "Traceback" not in said
