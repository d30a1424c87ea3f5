"""What the lists of a company said, folded page by page into a ``Snapshot`` and the
name <-> id maps (projects API v1; ``reading`` asks for the pages).

No page is kept: users and objects go straight into the id -> name tables; groups and
projects into small rows whose member ids are arrays of 64-bit ints (a list of them
holds an object per id, five times the bytes) until every name is known and
``build_snapshot`` makes the sets of names. The names and sets equal to those of the
state the company likely resembles (``like``: the desired state) are that state's own
objects, so a plan holds them once.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import NamedTuple, TypeVar

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.live import api_models as api
from reconciler.state.snapshot import (
    ObjectRef,
    ProjectState,
    RoleState,
    Snapshot,
    same,
    shared_project,
)

K = TypeVar("K")
V = TypeVar("V")
N = TypeVar("N", str, ObjectRef)
#: Member ids as a list said them, held compactly (``compact``).
Ids = Sequence[int]


def compact(ids: list[int]) -> Ids:
    """``ids`` as an array of 64-bit ints; still the list when one does not fit (no
    company has such an id: it is reported unknown like any other)."""
    try:
        return array("q", ids)
    except OverflowError:
        return ids


def _held(ids: list[int] | None) -> Ids | None:
    return None if ids is None else compact(ids)


class NameIds(Mapping[N, int]):
    """name -> id of a long list as it was read: its ids in an array and their names
    beside them, in id order. The table a lookup needs is made on the first one, which
    a plan never makes (a dict of 200,000 users and their int ids: 14 MB; this: 3 MB)."""

    __slots__ = ("_ids", "_names", "_table")

    def __init__(self, names: Iterable[N] = (), ids: Iterable[int] = ()) -> None:
        self._names: list[N] = list(names)
        self._ids = compact(list(ids))
        self._table: dict[N, int] | None = None

    def _by_name(self) -> dict[N, int]:
        if self._table is None:
            self._table = dict(zip(self._names, self._ids, strict=True))
        return self._table

    def __getitem__(self, name: N) -> int:
        return self._by_name()[name]

    def __iter__(self) -> Iterator[N]:
        return iter(self._by_name())

    def __len__(self) -> int:
        return len(self._by_name())


@dataclass(slots=True)
class IdMaps:
    """Names <-> platform ids, and project versions, as this client last saw them."""

    users: Mapping[str, int] = field(default_factory=NameIds)
    groups: dict[str, int] = field(default_factory=dict)
    objects: Mapping[ObjectRef, int] = field(default_factory=NameIds)
    projects: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def project_id(self, name: str) -> int:
        return _lookup(self.projects, name, f"project {name!r}")

    def user_id(self, login: str) -> int:
        return _lookup(self.users, login, f"user {login!r}")

    def group_id(self, name: str) -> int:
        return _lookup(self.groups, name, f"group {name!r}")

    def object_id(self, ref: ObjectRef) -> int:
        return _lookup(self.objects, ref, f"{ref[0]} object {ref[1]!r}")

    def role_id(self, name: str) -> int:
        return _lookup(self.roles, name, f"role {name!r}")

    def version(self, project: str) -> int:
        return _lookup(self.versions, project, f"project {project!r}")

    def forget_project(self, name: str) -> None:
        self.projects.pop(name, None)
        self.versions.pop(name, None)

    def remember_project(self, project: api.Project) -> None:
        self.projects[project.name] = project.id
        self.versions[project.name] = project.version


def _lookup(table: Mapping[K, int], key: K, what: str) -> int:
    try:
        return table[key]
    except KeyError:
        raise LiveError(
            f"{what} does not exist on the platform (or the token's user cannot see it); "
            "run plan again against the current live state"
        ) from None


_LOGIN, _ID = itemgetter("login"), itemgetter("id")
_KIND, _NAME = itemgetter("kind"), itemgetter("name")


class _Group(NamedTuple):
    id: int
    name: str
    user_ids: Ids


class _Project(NamedTuple):
    id: int
    name: str
    description: str
    version: int
    #: ``None`` where the list gave no members or objects (``_project_state`` says why)
    users: Ids | None
    groups: Ids | None
    objects: Ids | None


@dataclass(slots=True)
class Read:
    """What the lists said so far, folded page by page."""

    logins: dict[int, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    groups: list[_Group] = field(default_factory=list)
    roles: list[api.RoleRow] = field(default_factory=list)
    refs: dict[int, ObjectRef] = field(default_factory=dict)
    projects: list[_Project] = field(default_factory=list)
    #: the logins and object refs of the state this one likely resembles (``like``):
    #: an equal one read is replaced by that one's object, so it is held once
    names: dict[str, str] = field(default_factory=dict)
    known: dict[ObjectRef, ObjectRef] = field(default_factory=dict)

    @classmethod
    def resembling(cls, like: Snapshot) -> Read:
        return cls(names={u: u for u in like.users}, known={r: r for r in like.objects})

    def fold_users(self, rows: list[api.UserRow]) -> None:
        logins = list(map(_LOGIN, rows))
        if self.names:
            logins = list(map(self.names.get, logins, logins))
        ids = list(map(_ID, rows))
        before = len(self.user_ids)
        self.user_ids.update(zip(logins, ids, strict=True))
        # a login said twice (on this page or an earlier one) adds one entry, not two
        if len(self.user_ids) != before + len(logins):
            twice = _first_repeated(logins, set(islice(self.user_ids, before)))
            raise ResponseShapeError("GET", "/users", f"field 'login': {twice!r} appears twice")
        self.logins.update(zip(ids, logins, strict=True))

    def fold_objects(self, rows: list[api.ObjectRow]) -> None:
        refs: list[ObjectRef] = list(zip(map(_KIND, rows), map(_NAME, rows), strict=True))
        if self.known:
            refs = list(map(self.known.get, refs, refs))
        self.refs.update(zip(map(_ID, rows), refs, strict=True))

    def fold_groups(self, rows: list[api.GroupRow]) -> None:
        self.groups.extend(_Group(g["id"], g["name"], compact(g["user_ids"])) for g in rows)

    def fold_projects(self, rows: list[api.ProjectRow]) -> None:
        self.projects.extend(
            _Project(
                p["id"],
                p["name"],
                p.get("description") or "",
                p["version"],
                _held(p.get("users")),
                _held(p.get("groups")),
                _held(p.get("objects")),
            )
            for p in rows
        )


def _first_repeated(names: list[str], earlier: set[str]) -> str:
    seen: set[str] = set()
    for name in names:
        if name in seen or name in earlier:
            return name
        seen.add(name)
    raise AssertionError("no name repeats")


def build_snapshot(company: api.Company, read: Read, like: Snapshot) -> tuple[Snapshot, IdMaps]:
    """The Snapshot and id maps of what the lists said (``like``'s equal parts shared).

    Consumes ``read``, letting go of each table as soon as it has served: the ones that
    shared ``like``'s names while pages were folded, then the member ids and the
    id -> login table once the sets of names are made (at 10,000 projects a read peaks
    21 MB lower for it)."""
    read.names, read.known = {}, {}
    group_ids = _unique("/groups", "name", ((g.id, g.name) for g in read.groups))
    groups = _groups(read, like)
    roles = _roles(read, like)
    projects = _projects(read, {ident: name for name, ident in group_ids.items()}, like)
    versions = {p.name: p.version for p in read.projects}
    project_ids = {p.name: p.id for p in read.projects}
    read.logins, read.groups, read.projects = {}, [], []
    # compared as a view first: no set of every login is made when like's is the same
    users = like.users if like.users == read.user_ids.keys() else frozenset(read.user_ids)
    snapshot = Snapshot(
        security_type=company.security_type,
        projects=projects,
        roles=roles,
        users=users,
        groups=groups,
        objects=same(frozenset(read.refs.values()), like.objects),
        versions=versions,
    )
    maps = IdMaps(
        users=NameIds(read.user_ids, read.user_ids.values()),
        groups=group_ids,
        objects=NameIds(read.refs.values(), read.refs),
        projects=project_ids,
        roles={r["name"]: r["id"] for r in read.roles},
        versions=dict(versions),
    )
    return snapshot, maps


def _groups(read: Read, like: Snapshot) -> dict[str, frozenset[str]]:
    groups = {}
    for i, g in enumerate(read.groups):
        members = _names(read.logins, g.user_ids, "/groups", f"items.{i}.user_ids", "user")
        groups[g.name] = same(members, like.groups.get(g.name))
    return groups


def _roles(read: Read, like: Snapshot) -> dict[str, RoleState]:
    return {
        r["name"]: same(
            RoleState(
                name=r["name"],
                permissions=frozenset(r["permissions"]),
                users=_names(read.logins, r["user_ids"], "/roles", f"items.{i}.user_ids", "user"),
                builtin=r["builtin"],
            ),
            like.roles.get(r["name"]),
        )
        for i, r in enumerate(read.roles)
    }


def _projects(
    read: Read, group_names: Mapping[int, str], like: Snapshot
) -> dict[str, ProjectState]:
    logins, refs = read.logins, read.refs
    return {
        p.name: shared_project(
            _project_state(i, p, logins, group_names, refs), like.projects.get(p.name)
        )
        for i, p in enumerate(read.projects)
    }


def _project_state(
    index: int,
    project: _Project,
    logins: Mapping[int, str],
    group_names: Mapping[int, str],
    refs: Mapping[int, ObjectRef],
) -> ProjectState:
    users, groups, objects = project.users, project.groups, project.objects
    if users is None or groups is None or objects is None:
        raise LiveError(
            f"GET /projects: project {project.name!r} came back without its members and "
            "objects: the token's user needs the Admin role or the view_all permission"
        )
    where = f"items.{index}"
    return ProjectState(
        name=project.name,
        description=project.description,
        users=_names(logins, users, "/projects", f"{where}.users", "user"),
        groups=_names(group_names, groups, "/projects", f"{where}.groups", "group"),
        objects=_names(refs, objects, "/projects", f"{where}.objects", "object"),
    )


def _names(
    table: Mapping[int, V], ids: Iterable[int], path: str, loc: str, what: str
) -> frozenset[V]:
    """The names of ``ids``, as a set no larger than it needs to be (a frozenset made
    from a set gets a right-sized table; one built item by item, up to twice that)."""
    try:
        return frozenset(set(map(table.__getitem__, ids)))
    except KeyError as exc:
        raise ResponseShapeError(
            "GET", path, f"field '{loc}': unknown {what} id {exc.args[0]}"
        ) from None


def _unique(path: str, what: str, pairs: Iterable[tuple[int, str]]) -> dict[str, int]:
    """``name -> id``; a name given twice is a shape error."""
    table: dict[str, int] = {}
    for ident, name in pairs:
        if name in table:
            raise ResponseShapeError("GET", path, f"field '{what}': {name!r} appears twice")
        table[name] = ident
    return table
