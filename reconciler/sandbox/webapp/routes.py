"""The ``/a/...`` routes (thin: the rules live in ``views``, ``access`` and the shared
store-side modules). Paths and answer shapes are listed in ``schemas/webapp.md``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request

from reconciler.sandbox import projects
from reconciler.sandbox.authz import Actor, actor_for_user
from reconciler.sandbox.changelog import Ctx
from reconciler.sandbox.deps import get_sandbox
from reconciler.sandbox.roles import create_role, delete_role, update_role
from reconciler.sandbox.webapp import access, views
from reconciler.sandbox.webapp.session import (
    CallerDep,
    WebError,
    fields_of,
    id_param,
    ids_field,
    text_field,
)

router = APIRouter()
T = TypeVar("T")


def _read(request: Request, work: Callable[[Any], T]) -> T:
    with get_sandbox(request).store.read() as conn:
        return work(conn)


def _write(request: Request, actor: Actor, work: Callable[[Any, Ctx], T]) -> T:
    with get_sandbox(request).store.write() as conn:
        return work(conn, Ctx(actor_for_user(conn, actor.id)))


def _tile(project: dict[str, Any]) -> dict[str, Any]:
    return {"project": {k: project[k] for k in ("id", "name", "description")}}


@router.get("/projects_new/get/list")
async def project_list(request: Request, actor: CallerDep) -> dict[str, Any]:
    return _read(request, lambda conn: views.project_list(conn, actor))


@router.get("/projects_new/get/{project_id}")
async def project_detail(request: Request, actor: CallerDep, project_id: str) -> dict[str, Any]:
    pid = id_param(project_id, "Project")
    return _read(request, lambda conn: views.project_detail(conn, actor, pid))


@router.get("/projects_new/get/{project_id}/{web_type}")
async def candidates(
    request: Request, actor: CallerDep, project_id: str, web_type: str
) -> dict[str, Any]:
    pid = id_param(project_id, "Project")
    return _read(request, lambda conn: views.candidates(conn, actor, pid, web_type))


@router.post("/projects_new/set/create")
async def project_create(request: Request, actor: CallerDep) -> dict[str, Any]:
    fields = fields_of(request)
    name = text_field(fields, "name")
    description = text_field(fields, "description", required=False)
    written = _write(
        request, actor, lambda conn, ctx: projects.create_project(conn, ctx, name, description)
    )
    return _tile(written)


@router.post("/projects_new/set/{project_id}/remove")
async def project_remove(request: Request, actor: CallerDep, project_id: str) -> dict[str, Any]:
    pid = id_param(project_id, "Project")
    _write(request, actor, lambda conn, ctx: projects.delete_project(conn, ctx, pid, None, None))
    return {"success": True}


@router.post("/projects_new/set/{project_id}")
async def project_update(request: Request, actor: CallerDep, project_id: str) -> dict[str, Any]:
    pid = id_param(project_id, "Project")
    fields = fields_of(request)
    changes = {"name": text_field(fields, "name")}
    changes["description"] = text_field(fields, "description", required=False)
    written = _write(
        request, actor, lambda conn, ctx: projects.update_project(conn, ctx, pid, changes, None)
    )
    return _tile(written)


@router.post("/projects_new/set/{project_id}/{web_type}")
async def set_items(
    request: Request, actor: CallerDep, project_id: str, web_type: str
) -> dict[str, Any]:
    pid = id_param(project_id, "Project")
    wanted = ids_field(fields_of(request), "objects_str")
    return _write(
        request, actor, lambda conn, ctx: views.set_items(conn, ctx, pid, web_type, wanted)
    )


@router.get("/projects/access/get")
async def object_projects(
    request: Request, actor: CallerDep, id: str = "", type: str = ""
) -> dict[str, Any]:
    oid = id_param(id, "Object")
    return _read(request, lambda conn: access.object_projects(conn, actor, oid, type))


@router.post("/projects/access/set")
async def set_object_projects(request: Request, actor: CallerDep) -> dict[str, Any]:
    fields = fields_of(request)
    oid = id_param(text_field(fields, "id"), "Object")
    web_type = text_field(fields, "type")
    wanted = ids_field(fields, "projects")
    return _write(
        request,
        actor,
        lambda conn, ctx: access.set_object_projects(conn, ctx, oid, web_type, wanted),
    )


@router.get("/roles/list")
async def role_list(request: Request, actor: CallerDep) -> dict[str, Any]:
    return _read(request, access.role_list)


@router.post("/roles/create")
async def role_create(request: Request, actor: CallerDep) -> dict[str, Any]:
    name = text_field(fields_of(request), "name")
    written = _write(request, actor, lambda conn, ctx: create_role(conn, ctx, name, [], []))
    return {"role": {"id": written["id"], "name": written["name"]}}


@router.get("/roles/page/get")
async def permission_roles(request: Request, actor: CallerDep, permission: str = "") -> Any:
    return _read(request, lambda conn: access.permission_roles(conn, permission))


@router.post("/roles/page/set")
async def set_permission_roles(request: Request, actor: CallerDep) -> dict[str, Any]:
    fields = fields_of(request)
    permission = text_field(fields, "permission")
    wanted = ids_field(fields, "roles")
    return _write(
        request,
        actor,
        lambda conn, ctx: access.set_permission_roles(conn, ctx, permission, wanted),
    )


@router.get("/roles/user/{user_id}/get")
async def user_roles(request: Request, actor: CallerDep, user_id: str) -> dict[str, Any]:
    uid = id_param(user_id, "User")
    return _read(request, lambda conn: access.user_roles(conn, actor, uid))


@router.post("/roles/user/{user_id}/set")
async def set_user_roles(request: Request, actor: CallerDep, user_id: str) -> dict[str, Any]:
    uid = id_param(user_id, "User")
    wanted = ids_field(fields_of(request), "roles")
    return _write(request, actor, lambda conn, ctx: access.set_user_roles(conn, ctx, uid, wanted))


@router.get("/roles/{role_id}/edit")
async def role_detail(request: Request, actor: CallerDep, role_id: str) -> dict[str, Any]:
    rid = id_param(role_id, "Role")
    return _read(request, lambda conn: access.role_detail(conn, rid))


@router.post("/roles/{role_id}/update")
async def role_update(request: Request, actor: CallerDep, role_id: str) -> dict[str, Any]:
    rid = id_param(role_id, "Role")
    name = text_field(fields_of(request), "name")
    _write(request, actor, lambda conn, ctx: update_role(conn, ctx, rid, name, None))
    return _read(request, lambda conn: access.role_detail(conn, rid))


@router.post("/roles/{role_id}/remove")
async def role_remove(request: Request, actor: CallerDep, role_id: str) -> dict[str, Any]:
    rid = id_param(role_id, "Role")
    _write(request, actor, lambda conn, ctx: delete_role(conn, ctx, rid))
    return {"success": True}


@router.get("/users/current")
async def current_user(actor: CallerDep) -> dict[str, Any]:
    return access.current_user(actor)


@router.get("/users/list/{mode}")
async def user_list(request: Request, actor: CallerDep, mode: str) -> dict[str, Any]:
    if mode not in ("all", "active"):
        raise WebError(404, f"Unknown user list {mode[:40]!r}.")
    return _read(request, lambda conn: access.user_list(conn, actor))
