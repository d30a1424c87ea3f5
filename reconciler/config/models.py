"""Pydantic v2 models of the documents under ``projects.d/``.

Every document carries ``apiVersion: reconciler/v1`` and a ``kind``; ``Document`` is a
discriminated union on ``kind``. Models forbid unknown fields. Cross-document rules
(unique names, the single-project rule, ...) live in ``rules.py``, not here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from reconciler.kinds import Permission, SecurityType

API_VERSION = "reconciler/v1"

#: A name as the platform stores it: non-empty, no surrounding whitespace, bounded.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=False, pattern=r"^\S(.*\S)?$"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Doc(_Strict):
    api_version: Literal["reconciler/v1"] = Field(alias="apiVersion")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class DefaultProjectPolicy(_Strict):
    """What happens to members of the auto-created Default project."""

    name: Name = Field(default="Default", description="Name of the auto-created project.")
    remove_placed_members: bool = Field(
        default=True,
        description=(
            "Remove a user or group from Default once it is placed in another declared "
            "project (otherwise they keep seeing all of Default)."
        ),
    )


class Company(_Doc):
    """Company-wide settings; at most one per config directory."""

    kind: Literal["Company"]
    security_type: SecurityType = "advanced"
    prune: bool = Field(
        default=False,
        description="Delete live projects and roles that no document declares.",
    )
    default_project: DefaultProjectPolicy = Field(default_factory=DefaultProjectPolicy)


class Members(_Strict):
    users: list[Name] = Field(default_factory=list)
    groups: list[Name] = Field(default_factory=list)


class Objects(_Strict):
    """One list of object names per kind."""

    queues: list[Name] = Field(default_factory=list)
    call_scripts: list[Name] = Field(default_factory=list)
    auto_dialers: list[Name] = Field(default_factory=list)
    crm_forms: list[Name] = Field(default_factory=list)
    schedules: list[Name] = Field(default_factory=list)
    sip_providers: list[Name] = Field(default_factory=list)
    lists: list[Name] = Field(default_factory=list)
    notification_templates: list[Name] = Field(default_factory=list)
    contact_fields: list[Name] = Field(default_factory=list)
    ip_phones: list[Name] = Field(default_factory=list)


class Project(_Doc):
    kind: Literal["Project"]
    name: Name
    description: str = Field(default="", max_length=2000)
    previous_names: list[Name] = Field(
        default_factory=list,
        description="Earlier names: a live project found under one of them is renamed.",
    )
    protected: bool = Field(default=False, description="A plan may never delete this project.")
    members: Members = Field(default_factory=Members)
    objects: Objects = Field(default_factory=Objects)


class Role(_Doc):
    """A custom role, or the built-in Admin (which may only list its holders)."""

    kind: Literal["Role"]
    name: Name
    permissions: list[Permission] = Field(default_factory=list)
    users: list[Name] = Field(default_factory=list)


class Policy(_Doc):
    """Guard rails checked on the state a plan would produce."""

    kind: Literal["Policy"]
    name: Name
    isolate: list[Name] = Field(
        default_factory=list,
        description="No user or group may be a member of two of these projects.",
    )
    max_view_all_users: int | None = Field(default=None, ge=0)
    require_placement: bool = Field(
        default=False,
        description=(
            "Every user must be in at least one project (directly or through a group), "
            "or hold Admin or view_all: a plan that leaves anyone seeing nothing is refused."
        ),
    )


Document = Annotated[Company | Project | Role | Policy, Field(discriminator="kind")]
DOCUMENT_ADAPTER: TypeAdapter[Company | Project | Role | Policy] = TypeAdapter(Document)
