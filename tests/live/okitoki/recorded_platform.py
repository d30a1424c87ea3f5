"""The recorded web app answers served through an ``httpx.MockTransport``: the platform
as the adapter expects it, with one answer changed at a time by the tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from loopback import loopback_server

RECORDED = Path(__file__).parent / "recorded"
Mutate = Callable[[Any], Any]


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def name_of(path: str) -> str:
    """The recorded file that answers a GET of ``path``."""
    parts = path.strip("/").split("/")
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
    raise AssertionError(f"no recorded answer for GET {path}")


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
        name = name_of(request.url.path)
        data = recorded(name)
        if changes and name in changes:
            data = changes[name](data)
        return httpx.Response(200, json=data, headers={"set-cookie": "XSRF-TOKEN=abc; Path=/"})

    return httpx.MockTransport(handle)


@contextmanager
def served(changes: dict[str, Mutate] | None = None) -> Iterator[str]:
    """The recorded answers served over HTTP on a loopback port (for the real CLI):
    answers ``okitoki:http://127.0.0.1:PORT``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = name_of(urlsplit(self.path).path)
            data = recorded(name)
            if changes and name in changes:
                data = changes[name](data)
            body = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with loopback_server(Handler) as url:
        yield url
