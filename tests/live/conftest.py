"""Helpers for the live-client tests: a recording sleep and MockTransport clients."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.live.client import ApiClient
from reconciler.live.retry import RetryPolicy
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings

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


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": len(items), "next_offset": None}


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
