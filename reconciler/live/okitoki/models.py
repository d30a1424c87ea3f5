"""Pydantic models of the web app's answers: what this adapter relies on, and no more.

Unknown fields are ignored (the web app sends more than we read); the fields we read
are strict: an id must be an integer (a string id is a shape change, reported with the
route and the field, never read as something else), a name a string.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Named(WebModel):
    id: int
    name: str


class ProjectTile(Named):
    description: str | None = None


class ProjectList(WebModel):
    projects: list[ProjectTile]


class ItemList(WebModel):
    """One object type inside a project: ``name`` is the web app's type name."""

    name: str
    items: list[Named]


class ProjectDetail(ProjectTile):
    objects: list[ItemList]


class ProjectAnswer(WebModel):
    project: ProjectDetail


class ProjectWritten(WebModel):
    project: ProjectTile


class GroupRef(WebModel):
    id: int
    name: str = ""


class Candidate(Named):
    group: GroupRef | None = None


class GroupChoice(WebModel):
    value: int
    text: str


class Candidates(WebModel):
    items: list[Candidate]
    groups: list[GroupChoice] | None = None


class ItemsWritten(WebModel):
    added: list[int] = Field(default_factory=list)
    removed: list[int] = Field(default_factory=list)
    items: list[Named]


class ObjectProjectsBody(WebModel):
    current_projects: list[int]


class ObjectProjects(WebModel):
    projects: ObjectProjectsBody


class Role(Named):
    builtin: bool = False


class RoleList(WebModel):
    roles: list[Role]


class RoleAnswer(WebModel):
    role: Named


class CurrentRoles(WebModel):
    current_roles: list[int]


class User(WebModel):
    id: int
    login: str
    name: str = ""
    group: GroupRef | None = None
    roles: list[int]


class UserList(WebModel):
    users: list[User]


class CurrentUserBody(WebModel):
    id: int
    login: str


class CurrentUser(WebModel):
    user: CurrentUserBody


class Done(WebModel):
    """Any answer that is not an error (``{"success": true}`` and the like)."""
