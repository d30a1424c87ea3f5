"""Retries, backoff, Retry-After, timeouts and error translation, over MockTransport
(edge cases the sandbox cannot produce on demand)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest
from live_helpers import FAST, Sleeps, api_error, jsonify

from reconciler.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    ResponseShapeError,
    TransportError,
    UncertainWriteError,
)
from reconciler.live.client import ApiClient
from reconciler.live.folding import IdMaps
from reconciler.live.protocol import Identity, WriteMeta
from reconciler.live.retry import RetryPolicy
from reconciler.live.session import RETRY_FIELD, ClientSettings
from reconciler.plan.changes import ProjectCreate

ME = {"id": 1, "login": "reconciler", "name": "R", "is_admin": True, "permissions": []}
MakeClient = Callable[..., ApiClient]


def run_whoami(client: ApiClient) -> Identity:
    async def go() -> Identity:
        async with client:
            return await client.whoami()

    return asyncio.run(go())


def scripted(
    *answers: httpx.Response | Exception,
) -> tuple[list[httpx.Request], Callable[[httpx.Request], httpx.Response]]:
    """A handler answering with ``answers`` in turn (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return seen, handler


def test_retries_503_then_succeeds_with_backoff(mock_client: MakeClient, sleeps: Sleeps) -> None:
    seen, handler = scripted(
        api_error(503, "x", "busy"), api_error(503, "x", "busy"), jsonify(200, ME)
    )
    identity = run_whoami(mock_client(handler))
    assert identity == Identity("reconciler", True, frozenset())
    assert len(seen) == 3
    # full jitter: each wait is within [0, base * 2**(n-1)]
    assert len(sleeps.calls) == 2
    assert 0 <= sleeps.calls[0] <= 0.5 and 0 <= sleeps.calls[1] <= 1.0


def test_gives_up_after_max_attempts_with_one_clear_error(
    mock_client: MakeClient, sleeps: Sleeps
) -> None:
    seen, handler = scripted(api_error(502, "bad_gateway", "upstream down"))
    with pytest.raises(ApiError) as info:
        run_whoami(mock_client(handler))
    assert len(seen) == 4 and len(sleeps.calls) == 3
    assert info.value.status == 502 and info.value.method == "GET" and info.value.path == "/whoami"
    assert "after 4 attempts" in str(info.value)


def test_retry_after_is_honoured_and_capped(mock_client: MakeClient, sleeps: Sleeps) -> None:
    seen, handler = scripted(
        api_error(429, "rate_limited", "slow down", **{"Retry-After": "7"}),
        api_error(429, "rate_limited", "slow down", **{"Retry-After": "3600"}),
        jsonify(200, ME),
    )
    run_whoami(mock_client(handler))
    assert sleeps.calls == [7.0, 30.0]
    assert len(seen) == 3


def test_connect_errors_are_retried_then_reported(mock_client: MakeClient, sleeps: Sleeps) -> None:
    seen, handler = scripted(httpx.ConnectError("Connection refused"))
    with pytest.raises(TransportError) as info:
        run_whoami(mock_client(handler))
    assert len(seen) == 4
    assert "could not connect" in str(info.value) and "after 4 attempts" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_slow_answer_times_out_even_in_process(mock_client: MakeClient, sleeps: Sleeps) -> None:
    calls = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(30)
        return jsonify(200, ME)

    settings = ClientSettings(
        connect_timeout=0.01, read_timeout=0.02, retry=RetryPolicy(max_attempts=2), rate_limit=None
    )
    with pytest.raises(TransportError) as info:
        run_whoami(mock_client(slow, settings))
    assert calls == 2 and "no answer within" in str(info.value)


def test_a_read_answered_500_is_retried_and_each_retry_logged(
    mock_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reconciler.live")
    seen, handler = scripted(
        api_error(500, "x", "oops"),
        api_error(429, "x", "slow", **{"Retry-After": "0"}),
        jsonify(200, ME),
    )
    assert run_whoami(mock_client(handler)).login == "reconciler"
    assert len(seen) == 3
    retries = [getattr(r, RETRY_FIELD) for r in caplog.records if hasattr(r, RETRY_FIELD)]
    assert retries == ["HTTP 500", "HTTP 429"]


def test_a_write_answered_500_is_not_retried(mock_client: MakeClient) -> None:
    seen, handler = scripted(api_error(500, "x", "oops"))
    with pytest.raises(ApiError, match="HTTP 500") as info:
        _create(mock_client(handler))
    posts = [r for r in seen if r.method == "POST"]  # the rest: the change-log mark
    assert len(posts) == 1 and "not retried" not in str(info.value)


def _create(client: ApiClient) -> None:
    async def go() -> None:
        async with client:
            client._maps = IdMaps()  # a create needs no ids: skip the read
            await client.write([ProjectCreate("New", "")], WriteMeta())

    asyncio.run(go())


EMPTY_LOG = {"items": [], "total": 0, "next_offset": None}


def with_empty_changelog(
    handler: Callable[[httpx.Request], httpx.Response],
) -> Callable[[httpx.Request], httpx.Response]:
    """``handler`` for writes; an empty change log for the client's checks."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changelog"):
            return jsonify(200, EMPTY_LOG)
        return handler(request)

    return route


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), api_error(504, "x", "gw")],
    ids=["read-timeout", "dropped", "504"],
)
def test_a_create_is_not_retried_when_it_may_have_run(
    mock_client: MakeClient, failure: httpx.Response | Exception
) -> None:
    """Not retried, but checked: the change log holds no entry of it, so it failed."""
    seen, handler = scripted(failure)
    with pytest.raises((TransportError, ApiError)) as info:
        _create(mock_client(with_empty_changelog(handler)))
    assert len(seen) == 1
    assert "not retried" in str(info.value)
    assert str(info.value).endswith("; checked: it did not land")


NEW_PROJECT = {
    "id": 9,
    "name": "New",
    "description": "",
    "version": 1,
    "member": False,
    "users": [],
    "groups": [],
    "objects": [],
    "change_ids": [41],
}


def test_a_create_is_retried_when_it_surely_did_not_run(mock_client: MakeClient) -> None:
    seen, handler = scripted(
        httpx.ConnectError("refused"),
        api_error(429, "rate_limited", "later", **{"Retry-After": "1"}),
        jsonify(201, NEW_PROJECT),
    )
    _create(mock_client(with_empty_changelog(handler)))
    assert [r.method for r in seen] == ["POST"] * 3


def without_changelog(
    handler: Callable[[httpx.Request], httpx.Response],
) -> Callable[[httpx.Request], httpx.Response]:
    """A platform with no change log at all (404), ``handler`` for everything else."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changelog"):
            return api_error(404, "not_found", "no such endpoint")
        return handler(request)

    return route


def test_a_platform_without_a_change_log_still_takes_writes(mock_client: MakeClient) -> None:
    seen, handler = scripted(jsonify(201, NEW_PROJECT))
    _create(mock_client(without_changelog(handler)))
    assert [r.method for r in seen] == ["POST"]


def test_without_a_change_log_a_lost_create_is_uncertain(mock_client: MakeClient) -> None:
    _, handler = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(UncertainWriteError) as info:
        _create(mock_client(without_changelog(handler)))
    message = str(info.value)
    assert message.startswith("POST /projects: no answer within 1s (not retried); the write may")
    assert "the change log could not be read before the first write: GET /changelog" in message


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (400, ApiError),
        (500, ApiError),
    ],
)
def test_http_errors_map_to_the_error_tree(
    mock_client: MakeClient, status: int, cls: type[ApiError]
) -> None:
    seen, handler = scripted(api_error(status, "some_code", "the platform says no"))
    with pytest.raises(cls) as info:
        run_whoami(mock_client(handler))
    err = info.value
    assert type(err) is cls
    assert (err.method, err.path, err.status, err.code) == ("GET", "/whoami", status, "some_code")
    assert "the platform says no" in str(err)
    assert len(seen) == (4 if status == 500 else 1), "a read is retried after a 500"


def test_401_tells_the_user_where_the_token_comes_from(mock_client: MakeClient) -> None:
    _, handler = scripted(api_error(401, "unauthorized", "bad token"))
    with pytest.raises(AuthError, match="RECONCILER_TOKEN or --token-file"):
        run_whoami(mock_client(handler))


def test_non_json_error_answer(mock_client: MakeClient) -> None:
    _, handler = scripted(httpx.Response(500, text="<html>oops</html>"))
    with pytest.raises(ApiError, match="not an API error answer") as info:
        run_whoami(mock_client(handler))
    assert info.value.status == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": 1, "name": "R", "is_admin": True, "permissions": []}, "login"),
        ({**ME, "is_admin": "yes"}, "is_admin"),
        ({**ME, "permissions": "view_all"}, "permissions"),
        ([1, 2], "body"),
    ],
)
def test_malformed_answers_name_endpoint_and_field(
    mock_client: MakeClient, body: object, field: str
) -> None:
    _, handler = scripted(jsonify(200, body))
    with pytest.raises(ResponseShapeError) as info:
        run_whoami(mock_client(handler))
    assert info.value.path == "/whoami"
    assert f"'{field}'" in str(info.value)


def test_invalid_json_is_a_shape_error(mock_client: MakeClient) -> None:
    _, handler = scripted(httpx.Response(200, text="{not json"))
    with pytest.raises(ResponseShapeError, match="GET /whoami"):
        run_whoami(mock_client(handler))


def test_every_request_carries_the_bearer_token_and_never_a_query_token(
    mock_client: MakeClient,
) -> None:
    seen, handler = scripted(jsonify(200, ME))
    run_whoami(mock_client(handler))
    assert seen[0].headers["Authorization"] == "Bearer tok-SUPER-secret-1234567890"
    assert "api_token" not in str(seen[0].url)


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    assert FAST.attempt_timeout == 2.0
