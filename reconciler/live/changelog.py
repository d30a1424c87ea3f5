"""Reading the platform's change log (``GET /changelog``) as ``ChangeLogEntry`` values.

Pages are read one after another (the log can grow while it is read; offsets of older
entries do not move, since entries are ordered by id). Platform ids become names with
the maps of the client's last company read, so callers never see an id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from reconciler.live import api_models as api
from reconciler.live.folding import IdMaps
from reconciler.live.protocol import ChangeLogEntry
from reconciler.live.session import Session

PAGE_SIZE = 1000

_USER_KEYS = frozenset({"users", "user_ids"})
_GROUP_KEYS = frozenset({"groups", "group_ids"})
_OBJECT_KEYS = frozenset({"objects", "object_ids"})


class ClientMeta(api.ApiModel):
    commit: str | None = None
    plan: str | None = None
    actor: str | None = None
    apply: str | None = None


class RawEntry(api.ApiModel):
    id: int
    time: str
    actor_id: int | None = None
    actor_login: str
    action: str
    resource: str
    resource_id: int | None = None
    project_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    client: ClientMeta = Field(default_factory=ClientMeta)


EntryPage = api.Page[RawEntry]


class Names:
    """Platform id -> name, for every resource kind the log mentions."""

    def __init__(self, maps: IdMaps) -> None:
        self.users = {i: n for n, i in maps.users.items()}
        self.groups = {i: n for n, i in maps.groups.items()}
        self.projects = {i: n for n, i in maps.projects.items()}
        self.roles = {i: n for n, i in maps.roles.items()}
        self.objects = {i: list(ref) for ref, i in maps.objects.items()}

    def of(self, resource: str, rid: int | None) -> str | None:
        if rid is None:
            return None
        tables: dict[str, Mapping[int, Any]] = {
            "user": self.users,
            "group": self.groups,
            "project": self.projects,
            "role": self.roles,
            "object": self.objects,
        }
        table = tables.get(resource, {})
        found = table.get(rid)
        if isinstance(found, list):
            return "/".join(found)
        return found if isinstance(found, str) else f"#{rid}"

    def resolve(self, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """``data`` with id lists under known keys turned into names (recursively)."""
        if data is None:
            return None
        return {key: self._value(key, value) for key, value in data.items()}

    def _value(self, key: str, value: Any) -> Any:
        if isinstance(value, Mapping):
            return self.resolve(value)
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            return value
        table: Mapping[int, Any] | None = None
        if key in _USER_KEYS:
            table = self.users
        elif key in _GROUP_KEYS:
            table = self.groups
        elif key in _OBJECT_KEYS:
            table = self.objects
        if table is None:
            return value
        return [table.get(v, f"#{v}") for v in value]


def entry(raw: RawEntry, names: Names) -> ChangeLogEntry:
    return ChangeLogEntry(
        id=raw.id,
        time=raw.time,
        actor_login=raw.actor_login,
        action=raw.action,
        resource=raw.resource,
        subject=names.of(raw.resource, raw.resource_id),
        project=names.of("project", raw.project_id),
        before=names.resolve(raw.before),
        after=names.resolve(raw.after),
        commit=raw.client.commit,
        plan=raw.client.plan,
        client_actor=raw.client.actor,
        apply=raw.client.apply,
    )


async def read_changelog(
    session: Session, maps: IdMaps, *, project: str | None = None, since: str | None = None
) -> list[ChangeLogEntry]:
    """Every entry the token may see, oldest first (``project`` must exist live)."""
    params: dict[str, object] = {"limit": PAGE_SIZE}
    if project is not None:
        params["project_id"] = maps.project_id(project)
    if since is not None:
        params["since"] = since
    names = Names(maps)
    found: list[ChangeLogEntry] = []
    offset: int | None = 0
    while offset is not None:
        page = await session.call(
            "GET", "/changelog", EntryPage, params={**params, "offset": offset}
        )
        found += [entry(raw, names) for raw in page.items]
        if page.next_offset is not None and page.next_offset <= offset:
            break
        offset = page.next_offset
    return found
