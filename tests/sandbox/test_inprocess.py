"""The in-process transport (``sandbox:`` targets) against the FastAPI app it stands in for.

Every read a plan makes, as every role shape of the permission world, with every way of
giving (or not giving) a token: the transport answers exactly what the app answers
(status, headers, bytes), without building the app. Whatever it does not answer itself
reaches the app, on the same store and fault settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_helpers import PREFIX, RESTRICTED, ROLES, SECRETS, TILES, Api, UserFactory, build_world

from reconciler.sandbox.app import create_app
from reconciler.sandbox.inprocess import SandboxTransport
from reconciler.sandbox.models import FaultSettings

Request = tuple[str, str, dict[str, str | bytes]]  # method, path and query, headers
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

#: The reads of a plan, and their paging: answered by the transport itself.
PLAN_READS = (
    "/whoami",
    "/company",
    "/users?offset=0&limit=1000",
    "/users?offset=0&limit=2&after=3",
    "/users?offset=1&limit=2",
    "/users",
    "/groups?offset=0&limit=1000",
    "/roles?offset=0&limit=1000",
    "/objects?offset=0&limit=1000",
    "/objects?limit=1&after=5",
    "/objects?offset=0&limit=1000&project_ids=false",
    "/objects?project_ids=true&limit=2",
    "/projects?include=members%2Cobjects&limit=1000&offset=0",
    "/projects?include=members,objects&limit=1&offset=0&after=1",
    "/projects",
    "/projects?include=members",
    "/projects?include=",
    "/projects?include=everything",  # refused (400) by the projects function itself
)
#: Queries only the app can judge: the transport hands them over.
HANDED_OVER = (
    "/users?limit=0",
    "/users?limit=1001",
    "/users?limit=01",
    "/users?limit=%2B5",
    "/users?limit=five",
    "/users?limit=1&limit=2",
    "/users?color=blue",
    "/objects?kind=queues",
    "/objects?kind=nonsense",
    "/objects?project_ids=0",
    "/objects?project_ids=False",
    "/objects?project_ids=off",
    "/objects?project_ids=maybe",
    "/objects?project_ids=false&project_ids=true",
    f"/projects?include={'members,' * 13}",
    "/users/",
    "/projects/1",
    "/changelog",
    "/admin/faults",
)


def _requests(token: str, paths: Sequence[str]) -> list[Request]:
    bearer: dict[str, str | bytes] = {"Authorization": f"Bearer {token}"}
    return [("GET", PREFIX + path, bearer) for path in paths]


def _token_variants(token: str) -> list[Request]:
    """One read with every way of sending a token, good or bad."""
    path = PREFIX + "/users?limit=3"
    return [
        ("GET", path, {}),
        ("GET", path, {"Authorization": "Bearer not-a-token"}),
        ("GET", path, {"Authorization": f"bearer {token}"}),
        ("GET", path, {"Authorization": f"Bearer   {token}  "}),
        ("GET", path, {"Authorization": f"Basic {token}"}),
        ("GET", path, {"Authorization": "Bearer"}),
        ("GET", path, {"Authorization": ""}),
        ("GET", f"{path}&api_token={token}", {}),
        ("GET", f"{path}&api_token=", {}),
        ("GET", f"{path}&api_token=wrong", {"Authorization": f"Bearer {token}"}),
        ("GET", f"{path}&api_token={token}", {"Authorization": "Basic x"}),
        ("GET", PREFIX + "/whoami", {"Authorization": "Bearer caf\u00e9".encode("latin-1")}),
    ]


async def _send(transport: httpx.AsyncBaseTransport, requests: Sequence[Request]) -> list[Answer]:
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.local") as client:
        answers = []
        for method, url, headers in requests:
            response = await client.request(method, url, headers=headers)
            answers.append((response.status_code, response.headers.raw, response.content))
        return answers


def _both(db: Path, requests: Sequence[Request]) -> tuple[list[Answer], list[Answer], bool]:
    """The app's answers, the transport's, and whether the transport built the app."""
    app = create_app(db)
    transport = SandboxTransport(db)
    expected = asyncio.run(_send(httpx.ASGITransport(app=app), requests))
    answers = asyncio.run(_send(transport, requests))
    return expected, answers, transport.app_built


@pytest.fixture
def world_db(admin: Api, user: UserFactory, sandbox_db: tuple[Path, str]) -> tuple[Path, Any]:
    return sandbox_db[0], build_world(admin, user)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_through_the_transport_what_the_app_answers(
    role: str, world_db: tuple[Path, Any]
) -> None:
    db, world = world_db
    token = world.api[role].token
    expected, answers, app_built = _both(db, _requests(token, PLAN_READS))
    assert answers == expected
    assert not app_built  # answered without the web app
    assert {status for status, _, _ in answers} == {200, 400}
    if role in RESTRICTED:
        blob = b"\n".join(body for _, _, body in answers).decode()
        secrets = SECRETS if role != "lister" else tuple(s for s in SECRETS if s not in TILES)
        hidden = secrets if role == "lister" else (*secrets, *TILES)
        assert [s for s in hidden if s in blob] == [], role


def test_every_way_of_sending_a_token_is_judged_alike(world_db: tuple[Path, Any]) -> None:
    db, world = world_db
    requests = _token_variants(world.api["agent"].token)
    expected, answers, app_built = _both(db, requests)
    assert answers == expected
    assert not app_built
    statuses = [status for status, _, _ in answers]
    assert statuses == [401, 401, 200, 200, 401, 401, 401, 200, 401, 200, 200, 401]
    assert all((b"www-authenticate", b"Bearer") in headers for s, headers, _ in answers if s == 401)


def test_a_second_authorization_header_goes_to_the_app(sandbox_db: tuple[Path, str]) -> None:
    db = sandbox_db[0]
    request = httpx.Request(
        "GET",
        "http://sandbox.local/api/v1/users",
        headers=[("Authorization", "Bearer nope"), ("Authorization", "Bearer nope")],
    )
    transport = SandboxTransport(db)
    response = asyncio.run(transport.handle_async_request(request))
    assert response.status_code == 401
    assert transport.app_built


def test_what_the_transport_does_not_answer_the_app_does(world_db: tuple[Path, Any]) -> None:
    db, world = world_db
    statuses = set()
    for role in ("admin", "agent"):
        requests = _requests(world.api[role].token, HANDED_OVER)
        expected, answers, app_built = _both(db, requests)
        assert answers == expected
        assert app_built
        statuses |= {status for status, _, _ in answers}
    assert statuses == {200, 307, 403, 404, 422}
    # each of them, not only one: the transport answers none itself
    transport = SandboxTransport(db)
    for method, url, headers in _requests(world.api["admin"].token, HANDED_OVER):
        request = httpx.Request(method, f"http://sandbox.local{url}", headers=headers)
        assert asyncio.run(transport._read(request)) is None, url


def test_writes_go_to_the_app_on_the_same_store(sandbox_db: tuple[Path, str]) -> None:
    db, token = sandbox_db
    bearer = {"Authorization": f"Bearer {token}"}
    requests: list[Request] = [
        ("GET", PREFIX + "/projects", bearer),
        ("POST", PREFIX + "/projects", bearer),  # no body: 422 from the app
    ]
    transport = SandboxTransport(db)

    async def go() -> tuple[list[Answer], int, bytes]:
        before = await _send(transport, requests)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            made = await client.post(PREFIX + "/projects", json={"name": "Fresh"}, headers=bearer)
            after = await client.get(PREFIX + "/projects", headers=bearer)
        return before, made.status_code, after.content

    before, created, listed = asyncio.run(go())
    assert [status for status, _, _ in before] == [200, 422]
    assert created == 201 and b'"name":"Fresh"' in listed


def test_faults_set_through_the_transport_fault_its_reads_as_the_app(
    sandbox_db: tuple[Path, str],
) -> None:
    """The same seeded faults on both: the same answers, drawn in the same order."""
    db, token = sandbox_db
    bearer = {"Authorization": f"Bearer {token}"}
    settings = FaultSettings(error_rate=0.3, throttle_rate=0.3, retry_after=7, seed=11)
    put = ("PUT", PREFIX + "/admin/faults", bearer)
    reads = _requests(token, ("/users", "/whoami", "/projects", "/company") * 6)

    async def run(transport: httpx.AsyncBaseTransport) -> list[Answer]:
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            done = await client.request(*put[:2], headers=put[2], json=settings.model_dump())
            assert done.status_code == 200, done.text
        return await _send(transport, reads)

    expected = asyncio.run(run(httpx.ASGITransport(app=create_app(db))))
    answers = asyncio.run(run(SandboxTransport(db)))
    assert answers == expected
    assert {status for status, _, _ in answers} == {200, 429, 503}
    assert any((b"retry-after", b"7") in headers for _, headers, _ in answers)


def test_the_rate_limit_counts_the_transports_reads(sandbox_db: tuple[Path, str]) -> None:
    db, token = sandbox_db
    transport = SandboxTransport(db)
    transport.sandbox.faults.configure(FaultSettings(rate_limit_per_second=1.0))
    answers = asyncio.run(_send(transport, _requests(token, ("/whoami", "/whoami"))))
    assert [status for status, _, _ in answers] == [200, 429]
    assert not transport.app_built
