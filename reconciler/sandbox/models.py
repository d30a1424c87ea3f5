"""The JSON shapes of the projects API v1 (requests and answers), as Pydantic models.

These models are the machine-readable contract: the OpenAPI document exported to
``schemas/openapi.json`` is generated from them.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from reconciler.kinds import ObjectKind, Permission, SecurityType
from reconciler.sandbox.store import MAX_ID

MAX_ITEMS = 10_000

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]
IdList = Annotated[list[Id], Field(max_length=MAX_ITEMS)]
ChangeIds = list[int]

T = TypeVar("T")


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, object]


class ErrorBody(BaseModel):
    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    next_offset: int | None


class Written(BaseModel):
    change_ids: ChangeIds


class WhoAmI(BaseModel):
    id: int
    login: str
    name: str
    is_admin: bool
    permissions: list[Permission]


class Company(BaseModel):
    name: str
    security_type: SecurityType


class CompanyWritten(Company):
    change_ids: ChangeIds


class CompanyUpdate(Request):
    security_type: SecurityType


class User(BaseModel):
    id: int
    login: str
    name: str


class UserWritten(User):
    change_ids: ChangeIds


class UserCreate(Request):
    login: Name
    name: Name
    project_id: Id | None = None


class Group(BaseModel):
    id: int
    name: str
    user_ids: list[int]


class GroupWritten(Group):
    change_ids: ChangeIds


class GroupCreate(Request):
    name: Name
    user_ids: IdList = []


class MemberDelta(Request):
    add: IdList = []
    remove: IdList = []


class Role(BaseModel):
    id: int
    name: str
    builtin: bool
    permissions: list[Permission]
    user_ids: list[int]


class RoleWritten(Role):
    change_ids: ChangeIds


class RoleCreate(Request):
    name: Name
    permissions: Annotated[list[Permission], Field(max_length=4)] = []
    user_ids: IdList = []


class RoleUpdate(Request):
    name: Name | None = None
    permissions: Annotated[list[Permission], Field(max_length=4)] | None = None


class _ObjectName(BaseModel):
    id: int
    kind: ObjectKind
    name: str


class Object(_ObjectName):
    project_ids: list[int]


class ListedObject(_ObjectName):
    """An object in ``GET /objects``: ``project_ids`` is null when not asked for."""

    project_ids: list[int] | None


class ObjectWritten(Object):
    change_ids: ChangeIds


class ObjectCreate(Request):
    kind: ObjectKind
    name: Name
    project_id: Id | None = None


class ObjectUpdate(Request):
    name: Name


class Project(BaseModel):
    id: int
    name: str
    description: str
    version: int
    member: bool
    users: list[int] | None
    groups: list[int] | None
    objects: list[int] | None


class ProjectWritten(Project):
    change_ids: ChangeIds


class ProjectCreate(Request):
    name: Name
    description: Description = ""


class ProjectUpdate(Request):
    name: Name | None = None
    description: Description | None = None


class ContentSet(Request):
    users: IdList = []
    groups: IdList = []
    objects: IdList = []


class ContentsChange(Request):
    add: ContentSet = ContentSet()
    remove: ContentSet = ContentSet()


class MoveRequest(Request):
    object_id: Id
    from_project_id: Id
    to_project_id: Id
    from_version: Version | None = None
    to_version: Version | None = None


class MoveResult(BaseModel):
    object: Object
    from_version: int
    to_version: int
    change_ids: ChangeIds


class ClientInfo(BaseModel):
    commit: str | None
    plan: str | None
    actor: str | None
    apply: str | None


class ChangeEntry(BaseModel):
    id: int
    time: str
    actor_id: int | None
    actor_login: str
    action: str
    resource: str
    resource_id: int | None
    project_id: int | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    client: ClientInfo


FaultMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class FaultSettings(Request):
    """Faults on demand, for testing clients against a misbehaving server."""

    error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    error_status: Literal[500, 502, 503, 504] = 503
    timeout_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    timeout_seconds: Annotated[float, Field(ge=0, le=600)] = 30.0
    throttle_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    retry_after: Annotated[int, Field(ge=0, le=3600)] = 1
    lost_answer_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    methods: Annotated[list[FaultMethod], Field(max_length=5)] | None = None
    rate_limit_per_second: Annotated[float, Field(gt=0, le=1_000_000)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
