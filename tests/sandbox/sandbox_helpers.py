"""Sandbox test helpers: a caller bound to one token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

PREFIX = "/api/v1"


class Api:
    """Requests as one user; every call answers the httpx response."""

    def __init__(self, client: httpx.Client, token: str) -> None:
        self.client = client
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.request(method, PREFIX + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON of a call that must succeed."""
        response = self.call(method, path, **kwargs)
        assert response.is_success, (method, path, response.status_code, response.text)
        return response.json()

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated list, following next_offset."""
        out: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = self.ok("GET", path, params={**params, "offset": offset, "limit": 1000})
            out.extend(page["items"])
            offset = page["next_offset"]
        return out

    def ids(self, path: str, key: str = "name", **params: Any) -> dict[str, int]:
        return {item[key]: item["id"] for item in self.items(path, **params)}


UserFactory = Callable[..., Api]
"""``user(login, roles=[...], groups=[...], projects=[...])`` -> an Api as that user."""
