"""Routes for who-am-I, the company, users, groups, roles, the change log and faults."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from reconciler.sandbox import company, directory, reads, roles
from reconciler.sandbox.authz import require_admin
from reconciler.sandbox.changelog import list_changes
from reconciler.sandbox.deps import (
    ERRORS,
    ActorDep,
    CtxDep,
    PagingDep,
    SandboxDep,
    UnfaultedActorDep,
    WindowDep,
    json_answer,
    refreshed,
)
from reconciler.sandbox.models import (
    ChangeEntry,
    Company,
    CompanyUpdate,
    CompanyWritten,
    FaultSettings,
    Group,
    GroupCreate,
    GroupWritten,
    MemberDelta,
    Page,
    Role,
    RoleCreate,
    RoleUpdate,
    RoleWritten,
    User,
    UserCreate,
    UserWritten,
    WhoAmI,
    Written,
)
from reconciler.sandbox.store import MAX_ID

router = APIRouter(responses=ERRORS)
PathIdQ = Path(ge=1, le=MAX_ID)
CREATED = status.HTTP_201_CREATED


@router.get("/whoami", response_model=WhoAmI, tags=["company"])
async def get_whoami(actor: ActorDep) -> Response:
    return json_answer(reads.whoami(actor))


@router.get("/company", response_model=Company, tags=["company"])
async def get_company(sandbox: SandboxDep, actor: ActorDep) -> Response:
    return json_answer(reads.company_of(sandbox))


@router.put("/company", response_model=CompanyWritten, tags=["company"])
async def put_company(
    sandbox: SandboxDep, ctx: CtxDep, body: CompanyUpdate, confirm: bool = False
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return company.set_security_type(
            conn, refreshed(ctx, conn), body.security_type, confirm=confirm
        )


@router.get("/users", response_model=Page[User], tags=["users"])
async def get_users(sandbox: SandboxDep, actor: ActorDep, page: WindowDep) -> Response:
    return json_answer(reads.users(sandbox, actor, page))


@router.post("/users", response_model=UserWritten, status_code=CREATED, tags=["users"])
async def post_user(sandbox: SandboxDep, ctx: CtxDep, body: UserCreate) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return directory.create_user(
            conn, refreshed(ctx, conn), body.login, body.name, body.project_id
        )


@router.get("/groups", response_model=Page[Group], tags=["users"])
async def get_groups(sandbox: SandboxDep, actor: ActorDep, page: WindowDep) -> Response:
    return json_answer(reads.groups(sandbox, actor, page))


@router.post("/groups", response_model=GroupWritten, status_code=CREATED, tags=["users"])
async def post_group(sandbox: SandboxDep, ctx: CtxDep, body: GroupCreate) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return directory.create_group(conn, refreshed(ctx, conn), body.name, body.user_ids)


@router.post("/groups/{group_id}/members", response_model=GroupWritten, tags=["users"])
async def post_group_members(
    sandbox: SandboxDep, ctx: CtxDep, group_id: Annotated[int, PathIdQ], body: MemberDelta
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return directory.change_group_members(
            conn, refreshed(ctx, conn), group_id, body.add, body.remove
        )


@router.get("/roles", response_model=Page[Role], tags=["roles"])
async def get_roles(sandbox: SandboxDep, actor: ActorDep, page: WindowDep) -> Response:
    return json_answer(reads.roles_of(sandbox, actor, page))


@router.post("/roles", response_model=RoleWritten, status_code=CREATED, tags=["roles"])
async def post_role(sandbox: SandboxDep, ctx: CtxDep, body: RoleCreate) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return roles.create_role(
            conn, refreshed(ctx, conn), body.name, [str(p) for p in body.permissions], body.user_ids
        )


@router.patch("/roles/{role_id}", response_model=RoleWritten, tags=["roles"])
async def patch_role(
    sandbox: SandboxDep, ctx: CtxDep, role_id: Annotated[int, PathIdQ], body: RoleUpdate
) -> dict[str, Any]:
    perms = None if body.permissions is None else [str(p) for p in body.permissions]
    with sandbox.store.write() as conn:
        return roles.update_role(conn, refreshed(ctx, conn), role_id, body.name, perms)


@router.post("/roles/{role_id}/holders", response_model=RoleWritten, tags=["roles"])
async def post_role_holders(
    sandbox: SandboxDep, ctx: CtxDep, role_id: Annotated[int, PathIdQ], body: MemberDelta
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return roles.change_holders(conn, refreshed(ctx, conn), role_id, body.add, body.remove)


@router.delete("/roles/{role_id}", response_model=Written, tags=["roles"])
async def delete_role(
    sandbox: SandboxDep, ctx: CtxDep, role_id: Annotated[int, PathIdQ]
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return roles.delete_role(conn, refreshed(ctx, conn), role_id)


@router.get("/changelog", response_model=Page[ChangeEntry], tags=["changelog"])
async def get_changelog(
    *,
    sandbox: SandboxDep,
    actor: ActorDep,
    page: PagingDep,
    project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    with sandbox.store.read() as conn:
        return list_changes(
            conn,
            actor,
            project_id=project_id,
            since=since,
            until=until,
            offset=page.offset,
            limit=page.limit,
        )


@router.get("/admin/faults", response_model=FaultSettings, tags=["admin"])
async def get_faults(sandbox: SandboxDep, actor: UnfaultedActorDep) -> FaultSettings:
    require_admin(actor, "reading the fault settings")
    return sandbox.faults.settings


@router.put("/admin/faults", response_model=FaultSettings, tags=["admin"])
async def put_faults(
    sandbox: SandboxDep, actor: UnfaultedActorDep, body: FaultSettings
) -> FaultSettings:
    require_admin(actor, "changing the fault settings")
    sandbox.faults.configure(body)
    return sandbox.faults.settings
