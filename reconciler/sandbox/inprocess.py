"""The sandbox in-process, for ``sandbox:PATH`` targets: an httpx transport.

The reads a plan makes (``GET /api/v1/whoami``, ``/company``, ``/users``, ``/groups``,
``/roles``, ``/objects``, ``/projects``) are answered here by the functions the FastAPI
routes call (``reads``): the same token handling, fault injection, visibility and JSON
bytes, without importing or building the web app. Anything else (writes, the change
log, the fault settings, the web app face, and any read whose query is not one these
routes take as given: a repeated or unknown parameter, a number out of range or not
written plainly, a boolean other than ``true`` or ``false``) goes to the FastAPI app
over ``httpx.ASGITransport``, built on first need on the same store and fault injector,
so its answers, errors included, are the app's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

from reconciler.sandbox import reads
from reconciler.sandbox.authz import Actor
from reconciler.sandbox.faults import FaultInjector
from reconciler.sandbox.problems import ApiProblem
from reconciler.sandbox.reads import Sandbox
from reconciler.sandbox.store import MAX_ID, MAX_LIMIT, Store, Window

API_PREFIX = "/api/v1"
#: The peer address ``httpx.ASGITransport`` gives the app (it keys anonymous rate limits).
CLIENT_HOST = "127.0.0.1"

Query = dict[str, str]
Answer = Callable[[Sandbox, Actor, Query], str]

#: ``(name, lowest, highest, default)`` of each paging parameter, as ``deps.window``.
_WINDOW = (("offset", 0, MAX_ID, 0), ("limit", 1, MAX_LIMIT, 100), ("after", 0, MAX_ID, 0))
#: ``include`` of ``GET /projects``: at most this many characters (``IncludeQ``).
_INCLUDE_MAX = 100
#: ``project_ids`` of ``GET /objects`` as taken here; the app's other spellings of a
#: boolean (``0``, ``off``, ``False``...) go to the app.
_PLAIN_BOOLEANS = frozenset({"true", "false"})


def _window(query: Query) -> Window:
    offset, limit, after = (int(query.get(name, default)) for name, _, _, default in _WINDOW)
    return Window(offset, limit, after)


def _whoami(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.whoami(actor)


def _company(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.company_of(sandbox)


def _users(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.users(sandbox, actor, _window(query))


def _groups(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.groups(sandbox, actor, _window(query))


def _roles(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.roles_of(sandbox, actor, _window(query))


def _objects(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    project_ids = query.get("project_ids", "true") == "true"
    return reads.objects_of(sandbox, actor, _window(query), project_ids=project_ids)


def _projects(sandbox: Sandbox, actor: Actor, query: Query) -> str:
    return reads.projects_of(sandbox, actor, _window(query), query.get("include"))


@dataclass(frozen=True, slots=True)
class _Read:
    answer: Answer
    #: the query parameters the route takes (``api_token`` aside)
    takes: frozenset[str]


_PAGED = frozenset(name for name, *_ in _WINDOW)
_READS: dict[str, _Read] = {
    f"{API_PREFIX}/whoami": _Read(_whoami, frozenset()),
    f"{API_PREFIX}/company": _Read(_company, frozenset()),
    f"{API_PREFIX}/users": _Read(_users, _PAGED),
    f"{API_PREFIX}/groups": _Read(_groups, _PAGED),
    f"{API_PREFIX}/roles": _Read(_roles, _PAGED),
    f"{API_PREFIX}/objects": _Read(_objects, _PAGED | {"project_ids"}),
    f"{API_PREFIX}/projects": _Read(_projects, _PAGED | {"include"}),
}


def _plain_query(request: httpx.Request, takes: frozenset[str]) -> Query | None:
    """The query as the route reads it (decoded as Starlette decodes it), or ``None``
    when only the app can say what it makes of it."""
    pairs = parse_qsl(request.url.query.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    if len(query) != len(pairs) or not query.keys() <= takes | {"api_token"}:
        return None
    for name, low, high, _ in _WINDOW:
        text = query.get(name)
        if text is not None and not _plain_int(text, low, high):
            return None
    if len(query.get("include", "")) > _INCLUDE_MAX:
        return None
    if query.get("project_ids", "true") not in _PLAIN_BOOLEANS:
        return None
    return query


def _plain_int(text: str, low: int, high: int) -> bool:
    """``text`` is a number written plainly (digits, no leading zero) from low to high."""
    plain = text.isascii() and text.isdigit() and (text == "0" or text[0] != "0")
    return plain and low <= int(text) <= high


def _values(request: httpx.Request, name: bytes) -> list[str]:
    """The values of header ``name`` (Latin-1, as Starlette reads them)."""
    return [v.decode("latin-1") for k, v in request.headers.raw if k.lower() == name]


def _token(authorization: str | None, query: Query) -> str | None:
    """The API token, as ``deps._token`` takes it: a Bearer credential, else the
    ``api_token`` parameter (FastAPI's ``HTTPBearer`` and ``APIKeyQuery``)."""
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        if scheme and credentials and scheme.lower() == "bearer":
            return credentials
    return query.get("api_token") or None


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """An answer with the headers Starlette sends: given ones, then length and type."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    raw += [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    return httpx.Response(status, headers=raw, content=body)


def problem_answer(problem: ApiProblem) -> httpx.Response:
    """``problem`` as the app's handler answers it (a ``JSONResponse``)."""
    body = json.dumps(
        problem.body(), ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    )
    return _json(problem.status, body.encode("utf-8"), problem.headers)


class SandboxTransport(httpx.AsyncBaseTransport):
    """The sandbox on the SQLite file ``db_path``, in this process."""

    def __init__(self, db_path: Path) -> None:
        self.sandbox = Sandbox(Store(db_path), FaultInjector())
        self._app: httpx.ASGITransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self._read(request) if request.method == "GET" else None
        return answer if answer is not None else await self.app.handle_async_request(request)

    async def _read(self, request: httpx.Request) -> httpx.Response | None:
        """The answer to one of the plan's reads; ``None`` when it is not one."""
        route = _READS.get(request.url.path)
        query = None if route is None else _plain_query(request, route.takes)
        authorization = _values(request, b"authorization")
        if route is None or query is None or len(authorization) > 1:
            return None
        token = _token(authorization[0] if authorization else None, query)
        try:
            actor = await reads.caller(self.sandbox, token, request.method, CLIENT_HOST)
            text = route.answer(self.sandbox, actor, query)
        except ApiProblem as problem:
            return problem_answer(problem)
        return _json(200, text.encode("utf-8"))

    @property
    def app_built(self) -> bool:
        """Whether a request needed the web app (it is built on first need)."""
        return self._app is not None

    @property
    def app(self) -> httpx.ASGITransport:
        """The FastAPI app on the same sandbox, built when first needed."""
        if self._app is None:
            from reconciler.sandbox.app import app_for  # noqa: PLC0415 -- only if needed

            self._app = httpx.ASGITransport(app=app_for(self.sandbox))
        return self._app

    async def aclose(self) -> None:
        if self._app is not None:
            await self._app.aclose()
