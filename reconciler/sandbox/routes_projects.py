"""Routes for objects, projects, project contents and moves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from reconciler.kinds import ObjectKind
from reconciler.sandbox import contents, objects, projects, reads
from reconciler.sandbox.deps import (
    ERRORS,
    ActorDep,
    CtxDep,
    IfMatchDep,
    SandboxDep,
    WindowDep,
    json_answer,
    refreshed,
)
from reconciler.sandbox.models import (
    ContentsChange,
    ListedObject,
    MoveRequest,
    MoveResult,
    ObjectCreate,
    ObjectUpdate,
    ObjectWritten,
    Page,
    Project,
    ProjectCreate,
    ProjectUpdate,
    ProjectWritten,
    Written,
)
from reconciler.sandbox.store import MAX_ID

router = APIRouter(responses=ERRORS)
PathIdQ = Path(ge=1, le=MAX_ID)
ProjectIdsQ = Query(
    description="false: project_ids is null, not looked up (a client that reads where "
    "objects are from GET /projects?include=objects needs no more)",
)
IncludeQ = Query(
    description="Comma-separated: members, objects (inline lists; null where the caller "
    "sees only the tile)",
    max_length=100,
)


@router.get("/objects", response_model=Page[ListedObject], tags=["objects"])
async def get_objects(
    sandbox: SandboxDep,
    actor: ActorDep,
    page: WindowDep,
    kind: ObjectKind | None = None,
    project_ids: Annotated[bool, ProjectIdsQ] = True,
) -> Response:
    return json_answer(reads.objects_of(sandbox, actor, page, kind, project_ids))


@router.post(
    "/objects", response_model=ObjectWritten, status_code=status.HTTP_201_CREATED, tags=["objects"]
)
async def post_object(sandbox: SandboxDep, ctx: CtxDep, body: ObjectCreate) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return objects.create_object(
            conn, refreshed(ctx, conn), body.kind, body.name, body.project_id
        )


@router.patch("/objects/{object_id}", response_model=ObjectWritten, tags=["objects"])
async def patch_object(
    sandbox: SandboxDep, ctx: CtxDep, object_id: Annotated[int, PathIdQ], body: ObjectUpdate
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return objects.rename_object(conn, refreshed(ctx, conn), object_id, body.name)


@router.delete("/objects/{object_id}", response_model=Written, tags=["objects"])
async def delete_object(
    sandbox: SandboxDep, ctx: CtxDep, object_id: Annotated[int, PathIdQ]
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return objects.delete_object(conn, refreshed(ctx, conn), object_id)


@router.get("/projects", response_model=Page[Project], tags=["projects"])
async def get_projects(
    sandbox: SandboxDep,
    actor: ActorDep,
    page: WindowDep,
    include: Annotated[str | None, IncludeQ] = None,
) -> Response:
    return json_answer(reads.projects_of(sandbox, actor, page, include))


@router.get("/projects/{project_id}", response_model=Project, tags=["projects"])
async def get_project(
    sandbox: SandboxDep,
    actor: ActorDep,
    project_id: Annotated[int, PathIdQ],
    include: Annotated[str | None, IncludeQ] = None,
) -> dict[str, Any]:
    wanted = projects.parse_include(include)
    with sandbox.store.read() as conn:
        return projects.get_project(conn, actor, project_id, wanted)


@router.post(
    "/projects",
    response_model=ProjectWritten,
    status_code=status.HTTP_201_CREATED,
    tags=["projects"],
)
async def post_project(sandbox: SandboxDep, ctx: CtxDep, body: ProjectCreate) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return projects.create_project(conn, refreshed(ctx, conn), body.name, body.description)


@router.patch("/projects/{project_id}", response_model=ProjectWritten, tags=["projects"])
async def patch_project(
    sandbox: SandboxDep,
    ctx: CtxDep,
    project_id: Annotated[int, PathIdQ],
    body: ProjectUpdate,
    expected: IfMatchDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    with sandbox.store.write() as conn:
        return projects.update_project(conn, refreshed(ctx, conn), project_id, changes, expected)


@router.delete("/projects/{project_id}", response_model=Written, tags=["projects"])
async def delete_project(
    sandbox: SandboxDep,
    ctx: CtxDep,
    project_id: Annotated[int, PathIdQ],
    expected: IfMatchDep,
    move_to: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    with sandbox.store.write() as conn:
        return projects.delete_project(conn, refreshed(ctx, conn), project_id, move_to, expected)


@router.post("/projects/{project_id}/contents", response_model=ProjectWritten, tags=["projects"])
async def post_contents(
    sandbox: SandboxDep,
    ctx: CtxDep,
    project_id: Annotated[int, PathIdQ],
    body: ContentsChange,
    expected: IfMatchDep,
) -> dict[str, Any]:
    batch = contents.Batch(
        add={k: v for k, v in body.add.model_dump().items() if v},
        remove={k: v for k, v in body.remove.model_dump().items() if v},
    )
    with sandbox.store.write() as conn:
        return contents.change_contents(conn, refreshed(ctx, conn), project_id, batch, expected)


@router.post("/moves", response_model=MoveResult, tags=["projects"])
async def post_move(sandbox: SandboxDep, ctx: CtxDep, body: MoveRequest) -> dict[str, Any]:
    move = contents.Move(**body.model_dump())
    with sandbox.store.write() as conn:
        return contents.move_object(conn, refreshed(ctx, conn), move)
