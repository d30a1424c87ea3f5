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

    def __init__(self, snapshot: Snapshot, only: set[str] | None = None) -> None:
        """Index every user, or (much cheaper for a small change) only ``only``."""
        self.snapshot = snapshot
        self.everything = sees_everything(snapshot)
        # lists, not sets: each name is listed once (it comes from a set), and a list of
        # a few names is a third of the size of a set of them (tens of MB at 10,000)
        self.user_projects: dict[str, list[str]] = {}
        self.group_projects: dict[str, list[str]] = {}
        self.user_groups: dict[str, list[str]] = {}
        for name, project in snapshot.projects.items():
            for user in project.users if only is None else project.users & only:
                self.user_projects.setdefault(user, []).append(name)
            for group in project.groups:
                self.group_projects.setdefault(group, []).append(name)
        for group, members in snapshot.groups.items():
            for user in members if only is None else members & only:
                self.user_groups.setdefault(user, []).append(group)

    def listing(self, user: str) -> tuple[object, object, bool]:
        """Where ``user`` is listed: projects, groups, whether they see everything (users
        with equal listings see alike)."""
        projects, groups = self.user_projects.get(user), self.user_groups.get(user)
        return (
            tuple(projects) if projects else (),
            tuple(groups) if groups else (),
            user in self.everything,
        )

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
    before_index, after_index = _Index(live, touched), _Index(after, touched)
    deltas = []
    # users listed in the same projects and groups on both sides (most of them: a group's
    # members, a project's agents) gain and lose alike: computed once per listing
    by_listing: dict[tuple[object, ...], tuple[tuple[Sight, ...], tuple[Sight, ...]]] = {}
    for user in sorted(touched):
        listing = (*before_index.listing(user), *after_index.listing(user))
        found = by_listing.get(listing)
        if found is None:
            found = by_listing[listing] = _delta(user, before_index, after_index)
        if found[0] or found[1]:
            deltas.append(AccessDelta(user, *found))
    return tuple(deltas)


def _delta(user: str, before: _Index, after: _Index) -> tuple[tuple[Sight, ...], tuple[Sight, ...]]:
    """What ``user`` gains and loses."""
    all_before, all_after = user in before.everything, user in after.everything
    if all_before and all_after:
        return (), ()
    if all_after:
        return (EVERYTHING,), ()
    if all_before:
        return (), (EVERYTHING,)
    return _project_delta(
        before.projects_of(user), after.projects_of(user), before.snapshot, after.snapshot
    )


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
