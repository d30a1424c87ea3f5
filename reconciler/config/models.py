"""Pydantic v2 models of the documents under ``projects.d/``.

Every document carries ``apiVersion: reconciler/v1`` and a ``kind``; ``Document`` is a
discriminated union on ``kind``. Models forbid unknown fields. Cross-document rules
(unique names, the single-project rule, ...) live in ``rules.py``, not here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
)
from pydantic_core import PydanticCustomError

from reconciler.kinds import Permission, SecurityType

API_VERSION = "reconciler/v1"

#: A name as the platform stores it: non-empty, no surrounding whitespace, bounded.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=False, pattern=r"^\S(.*\S)?$"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _calendar_date(value: object) -> object:
    """``YYYY-MM-DD`` (the reader keeps dates as strings) as a ``date``."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date_format",
        "expected a date as YYYY-MM-DD (e.g. 2026-12-31), got {value}",
        {"value": repr(value)},
    )


#: A calendar date written ``YYYY-MM-DD``.
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]

#: Union tags of the list entries (``plain`` name or ``timed`` mapping); they show in
#: pydantic error locations right after the list index, and ``schema_errors`` drops them.
ENTRY_TAGS = ("plain", "timed")


class _Timed(_Strict):
    until: CalendarDate = Field(
        description="Last day before the access ends: from this date on (UTC) a plan "
        "removes it, with the reason 'expired on DATE'.",
    )
    reason: str = Field(default="", max_length=500, description="Why the access is granted.")


class TimedUser(_Timed):
    """A user whose membership or role holding ends on ``until``."""

    login: Name


class TimedGroup(_Timed):
    """A group whose membership ends on ``until``."""

    name: Name


def _entry_tag(value: Any) -> str:
    if value.__class__ is str:  # nearly every entry: no isinstance checks
        return "plain"
    return "timed" if isinstance(value, dict | TimedUser | TimedGroup) else "plain"


#: ``bank.anna`` or ``{login: temp.ivan, until: 2026-12-31, reason: "holiday cover"}``.
UserEntry = Annotated[
    Annotated[Name, Tag("plain")] | Annotated[TimedUser, Tag("timed")],
    Discriminator(_entry_tag),
]
#: ``bank-collectors`` or ``{name: night-shift, until: 2026-12-31}``.
GroupEntry = Annotated[
    Annotated[Name, Tag("plain")] | Annotated[TimedGroup, Tag("timed")],
    Discriminator(_entry_tag),
]


def entry_name(entry: object) -> str:
    """The login or group name of a list entry, in either form."""
    if isinstance(entry, TimedUser):
        return entry.login
    if isinstance(entry, TimedGroup):
        return entry.name
    return str(entry)


def names(entries: Sequence[object]) -> list[str]:
    """The names of ``entries``, in order (a plain name is its own: most entries are)."""
    return [e if e.__class__ is str else entry_name(e) for e in entries]


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
    users: list[UserEntry] = Field(
        default_factory=list,
        description="Logins, or {login, until, reason} for access that ends on a date.",
    )
    groups: list[GroupEntry] = Field(
        default_factory=list,
        description="Group names, or {name, until, reason} for access that ends on a date.",
    )

    @cached_property
    def logins(self) -> list[str]:
        """The users' logins, in order (computed once: the rules, the positions and the
        desired state all read them; not to be changed)."""
        return names(self.users)

    @cached_property
    def group_names(self) -> list[str]:
        """The groups' names, in order (computed once, as ``logins``)."""
        return names(self.groups)


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
    users: list[UserEntry] = Field(
        default_factory=list,
        description="Holders: logins, or {login, until, reason} for a holding that ends.",
    )

    @cached_property
    def logins(self) -> list[str]:
        """The holders' logins, in order (computed once, as ``Members.logins``)."""
        return names(self.users)


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


class Review(_Doc):
    """An access review signed off: ``reconciler review`` shows the latest one of each
    project and role as "last reviewed". It declares nothing: plans ignore it."""

    kind: Literal["Review"]
    reviewed_on: CalendarDate = Field(description="The day the review was done.")
    reviewer: Name = Field(description="Who reviewed (a login or a name).")
    projects: list[Name] = Field(default_factory=list, description="Projects reviewed.")
    roles: list[Name] = Field(
        default_factory=list, description="Roles whose holders were reviewed."
    )
    note: str = Field(default="", max_length=2000)


Document = Annotated[Company | Project | Role | Policy | Review, Field(discriminator="kind")]
DOCUMENT_ADAPTER: TypeAdapter[Company | Project | Role | Policy | Review] = TypeAdapter(Document)
