"""Request plumbing shared by the routers: the sandbox, the caller, paging, headers.

Dependencies are ``async``: FastAPI runs a plain function in a worker thread, a hand-off
per dependency per request that cost more than the rest of reading a page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from reconciler.sandbox.authz import Actor, actor_for_user
from reconciler.sandbox.changelog import ClientMeta, Ctx
from reconciler.sandbox.models import ErrorBody
from reconciler.sandbox.problems import bad_request
from reconciler.sandbox.reads import Sandbox, authenticate, caller
from reconciler.sandbox.store import MAX_ID, MAX_LIMIT, Window


def get_sandbox(request: Request) -> Sandbox:
    sandbox = request.app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox


async def _sandbox(request: Request) -> Sandbox:
    return get_sandbox(request)


SandboxDep = Annotated[Sandbox, Depends(_sandbox)]

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API token>")
_query = APIKeyQuery(
    name="api_token", auto_error=False, description="The API token as a query parameter"
)


async def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_token: Annotated[str | None, Security(_query)],
) -> str | None:
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return api_token or None


TokenDep = Annotated[str | None, Depends(_token)]


async def faulted_actor(sandbox: SandboxDep, token: TokenDep, request: Request) -> Actor:
    """The caller, after the fault injector had its say (rate limit, errors, timeouts)."""
    client = request.client.host if request.client else "unknown"
    return await caller(sandbox, token, request.method, client)


async def plain_actor(sandbox: SandboxDep, token: TokenDep) -> Actor:
    """The caller, never faulted (for the fault settings themselves)."""
    return authenticate(sandbox, token)


ActorDep = Annotated[Actor, Depends(faulted_actor)]
UnfaultedActorDep = Annotated[Actor, Depends(plain_actor)]


async def client_meta(
    commit: Annotated[str | None, Header(alias="X-Reconciler-Commit")] = None,
    plan: Annotated[str | None, Header(alias="X-Reconciler-Plan")] = None,
    actor: Annotated[str | None, Header(alias="X-Reconciler-Actor")] = None,
    apply: Annotated[str | None, Header(alias="X-Reconciler-Apply")] = None,
) -> ClientMeta:
    return ClientMeta(commit, plan, actor, apply).bounded()


async def write_ctx(actor: ActorDep, meta: Annotated[ClientMeta, Depends(client_meta)]) -> Ctx:
    return Ctx(actor, meta)


CtxDep = Annotated[Ctx, Depends(write_ctx)]


def refreshed(ctx: Ctx, conn: Any) -> Ctx:
    """The context with the actor re-read inside the write transaction."""
    return replace(ctx, actor=actor_for_user(conn, ctx.actor.id))


async def if_match(
    value: Annotated[
        str | None,
        Header(alias="If-Match", description="The project version the client last read"),
    ] = None,
) -> int | None:
    """``If-Match: 3`` (also ``"3"`` or ``W/"3"``); ``*`` or absent means no check."""
    if value is None or value.strip() in ("", "*"):
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise bad_request("If-Match must be a project version: a positive integer")
    return int(text)


IfMatchDep = Annotated[int | None, Depends(if_match)]


@dataclass(frozen=True, slots=True)
class Paging:
    offset: int
    limit: int


async def paging(
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Paging:
    return Paging(offset, limit)


PagingDep = Annotated[Paging, Depends(paging)]


async def window(
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    after: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_ID,
            description="Keyset paging: only items with a greater id (offset counts from "
            "there); the last id of the previous page reads the next at constant cost",
        ),
    ] = 0,
) -> Window:
    return Window(offset, limit, after)


#: Paging of the lists ordered by id, by offset or by keyset (``after``).
WindowDep = Annotated[Window, Depends(window)]


def json_answer(text: str) -> Response:
    """An answer already JSON: lists are rendered by SQLite, not validated again and
    serialized by the response model (which stays the documented shape)."""
    return Response(content=text, media_type="application/json")


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Bad input"),
        (401, "No or unknown API token"),
        (403, "Not allowed"),
        (404, "Not found, or not visible to the caller"),
        (409, "A platform rule refused the change"),
        (412, "Stale project version (If-Match)"),
        (422, "Invalid request"),
        (429, "Rate limited; see Retry-After"),
    )
}
