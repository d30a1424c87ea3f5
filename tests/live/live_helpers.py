"""Helpers for the live-client tests: a recording sleep, MockTransport clients, and the
sandbox as a live system both in-process (ASGI) and served by uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from reconciler.live.client import ApiClient
from reconciler.live.retry import RetryPolicy
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.sandbox.app import create_app
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.inprocess import SandboxTransport

SECRET = "tok-SUPER-secret-1234567890"


class Sleeps:
    """An injectable sleep that records what it was asked to wait, and does not wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def jsonify(status: int, data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(data).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )


def api_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "details": {}}}
    return jsonify(status, body, headers)


FAST = ClientSettings(
    connect_timeout=1.0,
    read_timeout=1.0,
    retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, max_retry_after=30.0),
    rate_limit=None,
)

Handler = Callable[[httpx.Request], Any]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def mock_client(sleeps: Sleeps) -> Callable[..., ApiClient]:
    def make(handler: Handler, settings: ClientSettings = FAST) -> ApiClient:
        return ApiClient(
            "https://platform.example/api/v1",
            token=Token(SECRET),
            settings=settings,
            transport=httpx.MockTransport(handler),
            sleep=sleeps,
            rng=random.Random(7),
        )

    return make


# --- the sandbox as a live system ---------------------------------------------------------

SANDBOX_SETTINGS = ClientSettings(
    connect_timeout=5.0,
    read_timeout=10.0,
    retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5.0),
    rate_limit=None,
)


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests on, keeping ``(method, path, query)`` of each."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path, request.url.query.decode()))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Live:
    """One sandbox company reachable as a target; ``client()`` makes a fresh ApiClient
    whose requests are counted. In-process, every client goes through one
    ``SandboxTransport`` (what a ``sandbox:`` target uses)."""

    kind: str
    db: Path
    token: str
    url: str
    in_process: SandboxTransport | None = None
    transports: list[CountingTransport] = field(default_factory=list)

    def client(
        self,
        token: str | None = None,
        settings: ClientSettings = SANDBOX_SETTINGS,
        sleep: Any = None,
    ) -> ApiClient:
        inner = self.in_process or httpx.AsyncHTTPTransport()
        transport = CountingTransport(inner)
        self.transports.append(transport)
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        return ApiClient(
            self.url,
            token=Token(token or self.token),
            settings=settings,
            transport=transport,
            rng=random.Random(3),
            **extra,
        )

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        return [r for t in self.transports for r in t.requests]


@pytest.fixture
def served_app() -> Iterator[Callable[[Any], str]]:
    """Serve an ASGI app with uvicorn on a free loopback port; answers its base URL."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(app: Any) -> str:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/api/v1"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join()


def make_live(kind: str, where: Path, serve: Callable[[Any], str]) -> Live:
    """A fresh demo company in ``where``, reachable in-process or served by uvicorn."""
    where.mkdir(parents=True, exist_ok=True)
    db = where / "company.db"
    token = init_company(db, demo=True)
    if kind == "in-process":
        return Live(kind, db, token, "http://sandbox.local/api/v1", SandboxTransport(db))
    return Live(kind, db, token, serve(create_app(db)))


@pytest.fixture(params=["in-process", "served"])
def live(request: pytest.FixtureRequest, tmp_path: Path, served_app: Callable[[Any], str]) -> Live:
    """A fresh demo company, as each of the two targets in turn."""
    return make_live(request.param, tmp_path, served_app)


# --- faults and the change log of a Live company -------------------------------------


def set_faults(live: Live, **settings: Any) -> None:
    async def go() -> None:
        async with live.client() as client:
            answer = await client._http.put(
                "/admin/faults", json=settings, headers={"Authorization": f"Bearer {live.token}"}
            )
            assert answer.status_code == 200, answer.text

    asyncio.run(go())


class LosingTransport(httpx.AsyncBaseTransport):
    """Delivers requests, but loses the answer of the first one matching (method, suffix):
    the write happened, the client sees a read timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, suffix: str) -> None:
        self.inner, self.method, self.suffix = inner, method, suffix
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if (
            not self.lost
            and request.method == self.method
            and request.url.path.endswith(self.suffix)
        ):
            self.lost += 1
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def changelog(live: Live) -> list[dict[str, Any]]:
    """The platform's whole change log, read directly (every page)."""

    async def go() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset: int | None = 0
        async with live.client() as client:
            while offset is not None:
                answer = await client._http.get(
                    "/changelog",
                    params={"offset": offset, "limit": 1000},
                    headers={"Authorization": f"Bearer {live.token}"},
                )
                page = answer.json()
                items += page["items"]
                offset = page["next_offset"]
        return items

    return asyncio.run(go())
