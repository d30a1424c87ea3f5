"""The recorded web app answers served through an ``httpx.MockTransport``: the platform
as the adapter expects it, with one answer changed at a time by the tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

RECORDED = Path(__file__).parent / "recorded"
Mutate = Callable[[Any], Any]


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def name_of(request: httpx.Request) -> str:
    """The recorded file that answers ``request``."""
    parts = request.url.path.strip("/").split("/")
    if parts[:2] == ["a", "projects_new"] and parts[2] == "get":
        if parts[3] == "list":
            return "projects"
        return "project" if len(parts) == 4 else f"candidates_{parts[4]}"
    table = {
        ("a", "projects", "access", "get"): "object_projects",
        ("a", "roles", "list"): "roles",
        ("a", "roles", "page", "get"): "permission_roles",
        ("a", "users", "current"): "current_user",
    }
    if tuple(parts) in table:
        return table[tuple(parts)]
    if parts[:2] == ["a", "roles"] and parts[-1] == "edit":
        return "role"
    if parts[:3] == ["a", "roles", "user"]:
        return "user_roles"
    if parts[:3] == ["a", "users", "list"]:
        return "users"
    raise AssertionError(f"no recorded answer for {request.method} {request.url.path}")


def transport(
    changes: dict[str, Mutate] | None = None,
    *,
    respond: Callable[[httpx.Request], httpx.Response | None] | None = None,
) -> httpx.MockTransport:
    """Serve the recorded answers; ``changes[name]`` rewrites one answer first, and
    ``respond`` may answer a request itself (an HTML page, a redirect)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if respond is not None:
            answer = respond(request)
            if answer is not None:
                return answer
        name = name_of(request)
        data = recorded(name)
        if changes and name in changes:
            data = changes[name](data)
        return httpx.Response(200, json=data, headers={"set-cookie": "XSRF-TOKEN=abc; Path=/"})

    return httpx.MockTransport(handle)
