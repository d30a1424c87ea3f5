"""The web app adapter against the recorded answers, one change at a time: every shape it
does not expect is one clear error naming the route and the field, never a misread."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from recorded_platform import recorded, transport

from reconciler.errors import AuthError, ConflictError, LiveError, ResponseShapeError
from reconciler.live.okitoki import WebAppClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.plan.changes import MemberAdd, MemberRemove

SESSION = "laravel_session=s3cr3t-session-value"
SETTINGS = ClientSettings(rate_limit=None)


def client(mock: httpx.MockTransport, secret: str = SESSION) -> WebAppClient:
    return WebAppClient(
        "https://acme.example", token=Token(secret), settings=SETTINGS, transport=mock
    )


async def _fetch(mock: httpx.MockTransport, secret: str = SESSION) -> Any:
    async with client(mock, secret) as live:
        return await live.fetch_snapshot()


def fetch(mock: httpx.MockTransport, secret: str = SESSION) -> Any:
    return asyncio.run(_fetch(mock, secret))


def test_the_recorded_answers_read_as_the_company() -> None:
    snapshot = fetch(transport())
    assert snapshot.security_type == "advanced"
    assert set(snapshot.projects) == {"Default"}
    default = snapshot.projects["Default"]
    assert default.users == {"reconciler", "olga.admin", "qa.lead"}
    assert ("queues", "Bank Collections Inbound") in default.objects
    assert snapshot.roles["Admin"].builtin and snapshot.roles["Admin"].users == {
        "reconciler",
        "olga.admin",
    }


def _rename_objects(data: Any) -> Any:
    data["project"]["lists"] = data["project"].pop("objects")
    return data


def _string_id(data: Any) -> Any:
    data["projects"][0]["id"] = str(data["projects"][0]["id"])
    return data


def _missing_type(data: Any) -> Any:
    data["project"]["objects"] = [o for o in data["project"]["objects"] if o["name"] != "queues"]
    return data


def _unknown_member(data: Any) -> Any:
    data["project"]["objects"][0]["items"].append({"id": 9999, "name": "Ghost"})
    return data


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "project",
            _rename_objects,
            "GET /a/projects_new/get/1: unexpected response: "
            "field 'project.objects': Field required",
        ),
        (
            "projects",
            _string_id,
            "GET /a/projects_new/get/list: unexpected response: "
            "field 'projects.0.id': Input should be a valid integer",
        ),
        (
            "project",
            _missing_type,
            "GET /a/projects_new/get/1: unexpected response: "
            "field 'project.objects': no list 'queues'",
        ),
        (
            "project",
            _unknown_member,
            "GET /a/projects_new/get/1: unexpected response: unknown user id 9999",
        ),
    ],
)
def test_a_changed_shape_is_one_clear_error(name: str, change: Any, expected: str) -> None:
    with pytest.raises(ResponseShapeError) as raised:
        fetch(transport({name: change}))
    assert str(raised.value).startswith(expected), str(raised.value)


def _page(status: int, body: str, headers: dict[str, str] | None = None) -> Any:
    def respond(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/get/list"):
            return httpx.Response(status, text=body, headers=headers or {})
        return None

    return respond


def test_an_html_login_page_instead_of_json_is_named_as_such() -> None:
    html = _page(200, "<html><form action=/login>", {"content-type": "text/html"})
    with pytest.raises(ResponseShapeError, match="text/html instead of JSON"):
        fetch(transport(respond=html))


def test_a_redirect_to_the_login_page_says_log_in_again() -> None:
    redirect = _page(302, "", {"location": "https://acme.example/login"})
    with pytest.raises(AuthError, match=r"redirected to https://acme.example/login .*log in"):
        fetch(transport(respond=redirect))


def test_an_expired_session_says_log_in_again_without_the_secret() -> None:
    expired = _page(
        401,
        '{"error": "Unauthenticated. s3cr3t-session-value"}',
        {"content-type": "application/json"},
    )
    with pytest.raises(AuthError) as raised:
        fetch(transport(respond=expired))
    text = str(raised.value)
    assert "HTTP 401" in text and "log in to the web app again" in text
    assert "s3cr3t-session-value" not in text and "***" in text


def test_an_expired_csrf_token_is_fetched_again_and_the_write_sent_once_more() -> None:
    posts: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response | None:
        if request.method != "POST":
            return None
        posts.append(request)
        if len(posts) == 1:
            return httpx.Response(419, json={"error": "CSRF token mismatch."})
        return httpx.Response(200, json=recorded("items_written"))

    async def go() -> None:
        async with client(transport(respond=respond)) as live:
            await live.fetch_snapshot()
            await live.write([MemberRemove("Default", "user", "qa.lead")], meta=WriteMeta())

    asyncio.run(go())
    assert len(posts) == 2
    assert all(p.headers["X-XSRF-TOKEN"] == "abc" for p in posts)
    assert "laravel_session=s3cr3t-session-value" in posts[1].headers["cookie"]
    body = parse_qs(posts[1].content.decode())
    assert json.loads(body["objects_str"][0]) == [1, 2]  # the whole list, qa.lead (3) out


def test_a_refusal_in_a_200_answer_is_a_refusal() -> None:
    def respond(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST":
            return httpx.Response(200, json=recorded("refused_200"))
        return None

    async def go() -> None:
        async with client(transport(respond=respond)) as live:
            await live.fetch_snapshot()
            await live.write([MemberAdd("Default", "user", "qa.lead")], meta=WriteMeta())

    with pytest.raises(ConflictError, match="refused: object 1 already belongs"):
        asyncio.run(go())


def test_an_api_token_travels_as_the_parameter_and_never_in_errors() -> None:
    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response | None:
        seen.append(request)
        if request.url.path.endswith("/users/current"):
            return httpx.Response(500, json={"error": "boom plain-token-123"})
        return None

    async def go() -> None:
        async with client(transport(respond=respond), "plain-token-123") as live:
            await live.whoami()

    with pytest.raises(LiveError) as raised:
        asyncio.run(go())
    assert "plain-token-123" not in str(raised.value)
    assert seen[0].url.params["api_token"] == "plain-token-123"
    assert "cookie" not in seen[0].headers
