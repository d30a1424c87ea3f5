"""The reads a plan makes, answered without any web framework.

Who the caller is (the token, after the fault injector had its say) and the JSON text of
``/whoami``, ``/company`` and the five lists. The FastAPI routes (``routes_company``,
``routes_projects``) and the in-process transport (``inprocess``) both call these very
functions, so the two ways in authenticate alike and answer the same bytes; what a
token's user may see is decided below them, in ``authz`` and the list functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox import company, directory, objects, projects, roles
from reconciler.sandbox.authz import Actor, load_actor
from reconciler.sandbox.faults import FaultInjector
from reconciler.sandbox.problems import unauthorized
from reconciler.sandbox.store import Store, Window, hash_token


@dataclass(slots=True)
class Sandbox:
    """What every request needs: the database and the fault settings."""

    store: Store
    faults: FaultInjector


def authenticate(sandbox: Sandbox, token: str | None) -> Actor:
    """The token's user; 401 when there is no token or it is unknown."""
    if not token:
        raise unauthorized(
            "no API token: send 'Authorization: Bearer <token>' or the api_token query parameter"
        )
    with sandbox.store.read() as conn:
        actor = load_actor(conn, hash_token(token))
    if actor is None:
        raise unauthorized("the API token is not valid (unknown or revoked)")
    return actor


async def caller(sandbox: Sandbox, token: str | None, method: str, client: str) -> Actor:
    """The caller, after the fault injector had its say (rate limit, errors, timeouts);
    ``client`` (the peer's address) keys the rate limit of requests without a token."""
    key = hash_token(token) if token else f"anonymous:{client}"
    await sandbox.faults.before_request(key, method)
    return authenticate(sandbox, token)


def _text(value: dict[str, Any]) -> str:
    """JSON as an answer renders it: compact, UTF-8 kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def whoami(actor: Actor) -> str:
    return _text(directory.whoami(actor))


def company_of(sandbox: Sandbox) -> str:
    with sandbox.store.read() as conn:
        return _text(company.get_company(conn))


def users(sandbox: Sandbox, actor: Actor, window: Window) -> str:
    with sandbox.store.read() as conn:
        return directory.list_users(conn, actor, window)


def groups(sandbox: Sandbox, actor: Actor, window: Window) -> str:
    with sandbox.store.read() as conn:
        return directory.list_groups(conn, actor, window)


def roles_of(sandbox: Sandbox, actor: Actor, window: Window) -> str:
    with sandbox.store.read() as conn:
        return roles.list_roles(conn, actor, window)


def objects_of(
    sandbox: Sandbox,
    actor: Actor,
    window: Window,
    kind: str | None = None,
    project_ids: bool = True,
) -> str:
    with sandbox.store.read() as conn:
        return objects.list_objects(conn, actor, kind, window, project_ids)


def projects_of(sandbox: Sandbox, actor: Actor, window: Window, include: str | None) -> str:
    wanted = projects.parse_include(include)
    with sandbox.store.read() as conn:
        return projects.list_projects(conn, actor, wanted, window)
