"""Pydantic models of the projects API v1 JSON (see ``schemas/api.md``).

Only the client modules import these. Unknown fields are ignored (a server may add
fields); missing or mistyped fields fail validation, which the client turns into a
``ResponseShapeError`` naming the endpoint and the field. Input values are hidden from
validation errors, so a token a server echoes never reaches an error message.
"""

from __future__ import annotations

from typing import Generic, Literal, NotRequired, TypeVar

from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

T = TypeVar("T", bound="ApiModel")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, hide_input_in_errors=True)


class ErrorBody(ApiModel):
    code: str = ""
    message: str = ""
    details: dict[str, object] | None = None


class ErrorEnvelope(ApiModel):
    error: ErrorBody


class WhoAmI(ApiModel):
    id: int
    login: str
    name: str = ""
    is_admin: bool
    permissions: list[str]


class Company(ApiModel):
    name: str = ""
    security_type: Literal["simple", "advanced"]


class CompanyWritten(Company):
    change_ids: list[int] = Field(default_factory=list)


class User(ApiModel):
    id: int
    login: str
    name: str = ""


class Group(ApiModel):
    id: int
    name: str
    user_ids: list[int]


class Role(ApiModel):
    id: int
    name: str
    builtin: bool
    permissions: list[str]
    user_ids: list[int]


class RoleWritten(Role):
    change_ids: list[int] = Field(default_factory=list)


class ApiObject(ApiModel):
    id: int
    kind: str
    name: str
    project_ids: list[int]


class Project(ApiModel):
    id: int
    name: str
    description: str | None = None
    version: int
    member: bool = False
    users: list[int] | None = None
    groups: list[int] | None = None
    objects: list[int] | None = None


class ProjectWritten(Project):
    change_ids: list[int] = Field(default_factory=list)


class MoveWritten(ApiModel):
    object: ApiObject
    from_version: int
    to_version: int
    change_ids: list[int] = Field(default_factory=list)


class Written(ApiModel):
    """Any write answer: only its change-log ids matter."""

    change_ids: list[int] = Field(default_factory=list)


class Page(ApiModel, Generic[T]):
    items: list[T]
    total: int
    next_offset: int | None = None


# -- The rows of the lists a snapshot reads: checked as strictly as the models above, but
# -- decoded to plain dicts (a model instance per item cost a third of reading a company).

_ROW = ConfigDict(strict=True, hide_input_in_errors=True)
R = TypeVar("R")


@with_config(_ROW)
class UserRow(TypedDict):
    id: int
    login: str


@with_config(_ROW)
class GroupRow(TypedDict):
    id: int
    name: str
    user_ids: list[int]


@with_config(_ROW)
class RoleRow(TypedDict):
    id: int
    name: str
    builtin: bool
    permissions: list[str]
    user_ids: list[int]


@with_config(_ROW)
class ObjectRow(TypedDict):
    """Read with ``project_ids=false``: where objects are, the projects' rows say (a
    server that sends ``project_ids`` anyway is read alike: a key not named is ignored)."""

    id: int
    kind: str
    name: str


@with_config(_ROW)
class ProjectRow(TypedDict):
    id: int
    name: str
    description: NotRequired[str | None]
    version: int
    users: NotRequired[list[int] | None]
    groups: NotRequired[list[int] | None]
    objects: NotRequired[list[int] | None]


class Rows(ApiModel, Generic[R]):
    """A page of a list, its items as rows (see ``Page``)."""

    items: list[R]
    total: int
    next_offset: int | None = None
