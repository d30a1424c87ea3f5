"""Who sees what: effective visibility of users, and how a plan changes it.

A user who holds the built-in Admin role, or any role with ``view_all``, sees
everything: their visibility is the single sight ``EVERYTHING`` (``*/*`` in project
``*``). Every other user sees the objects of the projects they belong to, directly or
through a group: one ``Sight(kind, object, project)`` per granting project.

``access_impact`` compares *objects*, not sights: an object that stays visible through
another project (a queue moved between two projects the user is in) is no change. A
user who stops seeing everything shows ``EVERYTHING`` lost and nothing gained (what they
still see is ``what_can_see`` on the resulting state); one who starts seeing everything
shows ``EVERYTHING`` gained. Only users touched by a difference between the two states
are examined, so the cost follows the size of the change, not of the company.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain

from reconciler.kinds import ADMIN_ROLE
from reconciler.plan.model import AccessDelta, Sight
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

#: What a user who sees everything (Admin, view_all) sees.
EVERYTHING = Sight("*", "*", "*")

VIEW_ALL = "view_all"


def sees_all(role: RoleState) -> bool:
    """Whether holding ``role`` shows everything: the built-in Admin, or ``view_all``."""
    return role.builtin or role.name == ADMIN_ROLE or VIEW_ALL in role.permissions


def sees_everything(snapshot: Snapshot) -> frozenset[str]:
    """Users who see everything: Admin holders and holders of a ``view_all`` role."""
    return frozenset().union(*(r.users for r in snapshot.roles.values() if sees_all(r)))


class _Index:
    """Project membership of users and groups in one snapshot, built once."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.everything = sees_everything(snapshot)
        self.user_projects: dict[str, list[str]] = {}
        self.user_groups: dict[str, list[str]] = {}
        for name, project in snapshot.projects.items():
            for user in project.users:
                self.user_projects.setdefault(user, []).append(name)
        for group, members in snapshot.groups.items():
            for user in members:
                self.user_groups.setdefault(user, []).append(group)
        self.group_projects = _group_projects(snapshot)

    def projects_of(self, user: str) -> set[str]:
        names = set(self.user_projects.get(user, ()))
        for group in self.user_groups.get(user, ()):
            names.update(self.group_projects.get(group, ()))
        return names

    def objects_of(self, user: str) -> dict[ObjectRef, set[str]]:
        """Each object the user sees, with the projects that grant it."""
        seen: dict[ObjectRef, set[str]] = {}
        for name in self.projects_of(user):
            for ref in self.snapshot.projects[name].objects:
                seen.setdefault(ref, set()).add(name)
        return seen


def visible(snapshot: Snapshot, user: str) -> set[Sight]:
    """Everything ``user`` sees in ``snapshot``."""
    index = _Index(snapshot)
    if user in index.everything:
        return {EVERYTHING}
    return set(_sights(index.objects_of(user)))


def what_can_see(snapshot: Snapshot, user: str) -> list[Sight]:
    """``visible``, sorted: what the report command prints for ``--user``."""
    return sorted(visible(snapshot, user))


def who_can_see(snapshot: Snapshot, kind: str, name: str) -> list[str]:
    """Every user who sees object ``kind/name`` (Admin and view_all holders included)."""
    ref = (kind, name)
    users = set(sees_everything(snapshot))
    groups: set[str] = set()
    for project in snapshot.projects.values():
        if ref in project.objects:
            users |= project.users
            groups |= project.groups
    for group in groups:
        users |= snapshot.groups.get(group, frozenset())
    return sorted(users)


def access_impact(live: Snapshot, after: Snapshot) -> tuple[AccessDelta, ...]:
    """How visibility changes from ``live`` to ``after``, for every user it changes for.

    Both states must name projects alike: pass the live state *after* renames.
    """
    touched = _touched_users(live, after)
    sides = _Sides(live, after, touched)
    deltas = []
    # users listed in the same projects and groups on both sides (most of them: a group's
    # members, a project's agents) gain and lose alike: computed once per listing
    by_listing: dict[_Listing, tuple[tuple[Sight, ...], tuple[Sight, ...]]] = {}
    for user in sorted(touched):
        listing = sides.listing(user)
        found = by_listing.get(listing)
        if found is None:
            found = by_listing[listing] = sides.delta(listing)
        if found[0] or found[1]:
            deltas.append(AccessDelta(user, *found))
    return tuple(deltas)


#: Where a project or group lists a user: on both sides (its name), or on one only
#: (``(name, _BEFORE)`` or ``(name, _AFTER)``).
_Item = str | tuple[str, bool]
#: A user's project items, group items, and whether they see everything before and after.
_Listing = tuple[tuple[_Item, ...], tuple[_Item, ...], bool, bool]
_BEFORE, _AFTER = False, True


class _Sides:
    """Where each of ``only`` is listed in ``before`` and ``after``, read in one pass over
    the projects and groups of both: a project or group whose members are the same on
    both sides (most of them: the states share their sets) is intersected once."""

    def __init__(self, before: Snapshot, after: Snapshot, only: set[str]) -> None:
        self.before, self.after = before, after
        self.everything = sees_everything(before), sees_everything(after)
        self.projects = _listed(
            {n: p.users for n, p in before.projects.items()},
            {n: p.users for n, p in after.projects.items()},
            only,
        )
        self.groups = _listed(before.groups, after.groups, only)
        self.granted = _group_projects(before), _group_projects(after)

    def listing(self, user: str) -> _Listing:
        """Users with equal listings see alike."""
        projects, groups = self.projects.get(user), self.groups.get(user)
        return (
            tuple(projects) if projects else (),
            tuple(groups) if groups else (),
            user in self.everything[0],
            user in self.everything[1],
        )

    def delta(self, listing: _Listing) -> tuple[tuple[Sight, ...], tuple[Sight, ...]]:
        """What a user listed so gains and loses."""
        projects, groups, all_before, all_after = listing
        if all_before and all_after:
            return (), ()
        if all_after:
            return (EVERYTHING,), ()
        if all_before:
            return (), (EVERYTHING,)
        was_in, now_in = _split(projects)
        groups_before, groups_after = _split(groups)
        for group in groups_before:
            was_in.update(self.granted[0].get(group, ()))
        for group in groups_after:
            now_in.update(self.granted[1].get(group, ()))
        return _project_delta(was_in, now_in, self.before, self.after)


def _listed(
    before: Mapping[str, frozenset[str]], after: Mapping[str, frozenset[str]], only: set[str]
) -> dict[str, list[_Item]]:
    """user -> the items (``_Item``) of the names whose members include them. Lists, not
    sets: each name is listed once, and a list of a few names is a third of the size of
    a set of them (tens of MB at 10,000 projects)."""
    found: dict[str, list[_Item]] = {}
    empty: frozenset[str] = frozenset()
    for name in chain(before, (n for n in after if n not in before)):
        old, new = before.get(name, empty), after.get(name, empty)
        if old is new or old == new:
            for user in old & only:
                found.setdefault(user, []).append(name)
            continue
        for user in old & new & only:
            found.setdefault(user, []).append(name)
        gone, came = (name, _BEFORE), (name, _AFTER)
        for user in (old - new) & only:
            found.setdefault(user, []).append(gone)
        for user in (new - old) & only:
            found.setdefault(user, []).append(came)
    return found


def _split(items: Iterable[_Item]) -> tuple[set[str], set[str]]:
    """The names of ``items`` listed before, and after."""
    before, after = set(), set()
    for item in items:
        if isinstance(item, str):
            before.add(item)
            after.add(item)
        else:
            (after if item[1] else before).add(item[0])
    return before, after


def _group_projects(snapshot: Snapshot) -> dict[str, list[str]]:
    """group -> the projects that list it."""
    found: dict[str, list[str]] = {}
    for name, project in snapshot.projects.items():
        for group in project.groups:
            found.setdefault(group, []).append(name)
    return found


def _project_delta(
    was_in: set[str], now_in: set[str], before: Snapshot, after: Snapshot
) -> tuple[tuple[Sight, ...], tuple[Sight, ...]]:
    """What a member of exactly ``was_in`` before and ``now_in`` after gains and loses:
    the objects seen on one side only, with each project of that side that grants them."""
    old = [(name, before.projects[name].objects) for name in was_in]
    new = [(name, after.projects[name].objects) for name in now_in]
    seen_before, seen_after = _union(old), _union(new)
    return _granted(seen_after - seen_before, new), _granted(seen_before - seen_after, old)


def _union(granting: list[tuple[str, frozenset[ObjectRef]]]) -> frozenset[ObjectRef]:
    if len(granting) == 1:
        return granting[0][1]
    return frozenset().union(*(objects for _, objects in granting))


def _granted(
    refs: frozenset[ObjectRef], granting: list[tuple[str, frozenset[ObjectRef]]]
) -> tuple[Sight, ...]:
    """A sight of each of ``refs`` per project of ``granting`` that holds it, sorted."""
    if not refs:
        return ()
    if len(granting) == 1:
        project = granting[0][0]
        found = [(kind, name, project) for kind, name in refs]
    else:
        found = [(*ref, project) for ref in refs for project, objects in granting if ref in objects]
    found.sort()
    return tuple(map(Sight._make, found))


def _sights(seen: Mapping[ObjectRef, Iterable[str]]) -> Iterable[Sight]:
    for (kind, name), projects in seen.items():
        for project in projects:
            yield Sight(kind, name, project)


def _touched_users(live: Snapshot, after: Snapshot) -> set[str]:
    """Users whose visibility may differ: a superset, cheap to compute."""
    touched = set(sees_everything(live) ^ sees_everything(after))
    changed_groups: set[str] = set()
    if live.groups is not after.groups:
        for group in live.groups.keys() | after.groups.keys():
            old, new = live.groups.get(group, frozenset()), after.groups.get(group, frozenset())
            if old != new:
                touched |= old ^ new
    empty = ProjectState(name="")
    for name in live.projects.keys() | after.projects.keys():
        old_p, new_p = live.projects.get(name, empty), after.projects.get(name, empty)
        if old_p is new_p:
            continue
        # comparing first: equal sets (most projects, most plans) build no new set
        if old_p.users != new_p.users:
            touched |= old_p.users ^ new_p.users
        if old_p.groups != new_p.groups:
            changed_groups |= old_p.groups ^ new_p.groups
        if old_p.objects != new_p.objects:
            touched |= old_p.users | new_p.users
            changed_groups |= old_p.groups | new_p.groups
    for group in changed_groups:
        touched |= live.groups.get(group, frozenset()) | after.groups.get(group, frozenset())
    return touched
