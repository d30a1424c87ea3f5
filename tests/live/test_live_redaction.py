"""The token never shows: not in errors, chained causes, logs, reprs or output --
including when the server echoes it back."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import traceback
from collections.abc import Callable

import httpx
import pytest
from live_helpers import SECRET, api_error, jsonify

from reconciler.errors import ReconcilerError
from reconciler.live.client import ApiClient
from reconciler.live.secret import Token
from reconciler.live.session import redact_json

MakeClient = Callable[..., ApiClient]


def echoing_handlers() -> dict[str, Callable[[httpx.Request], httpx.Response]]:
    def token_of(request: httpx.Request) -> str:
        return request.headers["Authorization"].removeprefix("Bearer ")

    def in_error(request: httpx.Request) -> httpx.Response:
        return api_error(401, f"bad:{token_of(request)}", f"token {token_of(request)} is not valid")

    def in_body(request: httpx.Request) -> httpx.Response:
        body = {
            "id": 1,
            "login": token_of(request),
            "is_admin": token_of(request),
            "permissions": [],
        }
        return jsonify(200, body)

    def in_html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text=f"<h1>down</h1><!-- {token_of(request)} -->")

    def in_exception(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused for {token_of(request)}")

    def in_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"slow {token_of(request)}")

    return {f.__name__: f for f in (in_error, in_body, in_html, in_exception, in_timeout)}


@pytest.mark.parametrize("name", sorted(echoing_handlers()))
def test_token_echoed_by_the_server_never_leaks(
    mock_client: MakeClient,
    name: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    client = mock_client(echoing_handlers()[name])

    async def go() -> None:
        async with client:
            await client.whoami()

    with pytest.raises(ReconcilerError) as info:
        asyncio.run(go())
    produced = "\n".join(
        [
            str(info.value),
            repr(info.value),
            "".join(traceback.format_exception(info.value)),
            repr(vars(info.value)),
            repr(client),
            caplog.text,
            *capsys.readouterr(),
        ]
    )
    assert SECRET not in produced
    assert "GET /whoami" in str(info.value)


def test_token_wrapper_is_redacted_everywhere() -> None:
    token = Token(SECRET)
    for shown in (
        str(token),
        repr(token),
        f"{token}",
        f"{token!r}",
        "%s" % (token,),  # noqa: UP031 -- the old way must be redacted too
        repr([token]),
    ):
        assert SECRET not in shown
    assert token.reveal() == SECRET
    assert token.scrub(f"a {SECRET} b {SECRET}") == "a *** b ***"
    with pytest.raises(TypeError):
        pickle.dumps(token)


def test_token_rejects_empty_or_padded_values() -> None:
    for bad in ("", " x", "x\n"):
        with pytest.raises(ValueError) as info:
            Token(bad)
        assert bad.strip() == "" or bad.strip() not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        b'{"login": "x-SECRET-y"}',
        b'{"login": "x-\\u0053ECRET-y"}',
        b'{"SECRET": ["x-SECRET-y"], "n": 1}',
        b'{"login": "say \\"SECRET\\""}',
    ],
)
def test_redact_json_removes_the_token_from_every_string(content: bytes) -> None:
    token = Token("SECRET")
    redacted = redact_json(content, token)
    assert b"SECRET" not in redacted
    assert "SECRET" not in json.dumps(json.loads(redacted))


def test_redact_json_leaves_other_answers_alone() -> None:
    token = Token("SECRET")
    plain = b'{"login": "anna", "id": 7}'
    assert redact_json(plain, token) is plain
    assert redact_json(b"<html>SECRET</html>", token) == b"<html>SECRET</html>"  # not JSON
    assert redact_json(plain, None) is plain
