"""The web app face's request plumbing: who is calling, CSRF, bodies and errors.

The platform's web front end talks to ``/a/...`` with the browser session: a session
cookie, Laravel-style CSRF protection (the server sets an ``XSRF-TOKEN`` cookie; every
POST made with the session must echo it in ``X-XSRF-TOKEN``, else 419), and JSON answers
whose failures read ``{"error": "..."}`` (often with status 200, which is why the front
end checks ``data.error`` on every answer) or ``{"errors": [...]}`` for bad input.

Here a session cookie's value is a sandbox API token (``reconciler sandbox token``), and
the ``api_token`` parameter (query string or form field) is accepted too, without CSRF,
as the platform's public API accepts it. Faults injected through ``/api/v1/admin/faults``
apply to this face as well.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from reconciler.sandbox.authz import Actor, load_actor
from reconciler.sandbox.deps import get_sandbox
from reconciler.sandbox.problems import ApiProblem
from reconciler.sandbox.reads import Sandbox
from reconciler.sandbox.store import MAX_ID, hash_token

SESSION_COOKIE = "laravel_session"
XSRF_COOKIE = "XSRF-TOKEN"
XSRF_HEADERS = ("x-xsrf-token", "x-csrf-token")
#: Largest request body this face reads (a whole-list write of 100,000 ids fits).
MAX_BODY = 4 * 1024 * 1024


class WebError(Exception):
    """A refusal of this face: ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


#: Domain refusals the front end reads from a 200 answer's ``error`` (validation-like).
_AS_200 = frozenset({400, 409, 412, 422})


def web_error(problem: ApiProblem) -> WebError:
    """The shared rules' refusal, as this face answers it."""
    status = 200 if problem.status in _AS_200 else problem.status
    return WebError(status, problem.message, problem.headers)


def xsrf_value(session: str) -> str:
    """The CSRF token of a session (stable per session, useless without it)."""
    return hashlib.sha256(f"xsrf:{hash_token(session)}".encode()).hexdigest()[:40]


async def read_fields(request: Request) -> dict[str, Any]:
    """The body as fields: JSON object, or form-encoded (``key[]`` collects a list)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise WebError(413, "The request is too large.")
    if not raw:
        return {}
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw)
        except ValueError:
            raise WebError(400, "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise WebError(400, "The body must be a JSON object.")
        return data
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if key.endswith("[]"):
            fields.setdefault(key[:-2], []).append(value)
        else:
            fields[key] = value
    return fields


async def _caller(
    request: Request,
    response: Response,
    sandbox: Annotated[Sandbox, Depends(get_sandbox)],
) -> Actor:
    session = request.cookies.get(SESSION_COOKIE)
    fields = await read_fields(request) if request.method == "POST" else {}
    token = session or request.query_params.get("api_token") or fields.get("api_token")
    token = token if isinstance(token, str) and token else None
    client = request.client.host if request.client else "unknown"
    try:
        key = hash_token(token) if token else f"anon:{client}"
        await sandbox.faults.before_request(key, request.method)
    except ApiProblem as problem:
        raise WebError(problem.status, problem.message, problem.headers) from None
    if token is None:
        raise WebError(401, "Unauthenticated.")
    with sandbox.store.read() as conn:
        actor = load_actor(conn, hash_token(token))
    if actor is None:
        raise WebError(401, "Unauthenticated.")
    if session is not None:
        expected = xsrf_value(session)
        if request.method == "POST" and not any(
            request.headers.get(h) == expected for h in XSRF_HEADERS
        ):
            raise WebError(419, "CSRF token mismatch.")
        response.set_cookie(XSRF_COOKIE, expected, samesite="lax")
    request.state.fields = fields
    return actor


CallerDep = Annotated[Actor, Depends(_caller)]


def fields_of(request: Request) -> dict[str, Any]:
    fields = getattr(request.state, "fields", {})
    assert isinstance(fields, dict)
    return fields


def text_field(fields: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = fields.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise WebError(422, f"The {name} field is required.")
    return value


def ids_field(fields: dict[str, Any], name: str) -> list[int]:
    """A list of ids: a JSON array (as ``objects_str`` carries it) or a form list; the
    front end sends ids as numbers or as numeric strings."""
    value = fields.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise WebError(422, f"The {name} field must be a JSON array of ids.") from None
    if not isinstance(value, list):
        raise WebError(422, f"The {name} field must be a list of ids.")
    ids: list[int] = []
    for item in value:
        text = str(item).strip()
        if isinstance(item, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            raise WebError(422, f"The {name} field holds an invalid id: {text[:20]!r}.")
        ids.append(int(text))
    return ids


def id_param(value: str, what: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise WebError(404, f"{what} not found.")
    return int(value)
