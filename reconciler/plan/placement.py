"""Who a plan leaves seeing nothing, and why each member removal happens (pure).

A user who is in no project (directly or through a group) and holds neither Admin nor a
``view_all`` role sees nothing. The plan says so for every user it leaves that way
(``unplaced``); a Policy with ``require_placement`` makes any such user in the resulting
state a blocking violation; users the files name nowhere whom the plan removes from a
project (usually users the platform created in Default after the files were written)
get a note with their logins. Every ``MemberRemove`` and ``ObjectRemove`` carries a
reason (``member_reason``, ``object_reason``) with the file position that decides it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reconciler.kinds import ADMIN_ROLE
from reconciler.plan.access import sees_all, sees_everything
from reconciler.plan.changes import Change, MemberRemove, MemberType
from reconciler.plan.expiry import expiry_reason
from reconciler.plan.model import Unplaced, Violation
from reconciler.plan.settings import PlanSettings, PolicySpec
from reconciler.state.snapshot import Snapshot

#: Logins listed in one note or violation before "and N more".
MAX_LISTED = 20


def seeing_something(snapshot: Snapshot) -> frozenset[str]:
    """Users who see anything: Admin and ``view_all`` holders, and members of a project
    (directly or through a group)."""
    projects = snapshot.projects.values()
    users = set().union(*(p.users for p in projects))  # one call: the loop runs in C
    users |= sees_everything(snapshot)
    for group in set().union(*(p.groups for p in projects)):
        users |= snapshot.groups.get(group, frozenset())
    return frozenset(users)


def seeing_nothing(target: Snapshot) -> frozenset[str]:
    """Live users who would see nothing in ``target`` (none when projects are off)."""
    if target.security_type == "simple":
        return frozenset()
    return target.users - seeing_something(target)


def unplaced(base: Snapshot, nobody: frozenset[str]) -> tuple[Unplaced, ...]:
    """The users who see something in ``base`` (live, renamed) and nothing after the
    plan (``nobody``: ``seeing_nothing`` of the resulting state), each with the projects
    of ``base`` that reach them. Only ``nobody`` is looked up: no set of everyone."""
    if not nobody:
        return ()
    member_of: dict[str, set[str]] = {}
    for name, project in base.projects.items():
        for user in project.users & nobody:
            member_of.setdefault(user, set()).add(name)
        for group in project.groups:
            for user in base.groups.get(group, frozenset()) & nobody:
                member_of.setdefault(user, set()).add(name)
    left = set(member_of)
    left |= sees_everything(base) & nobody
    return tuple(Unplaced(user, tuple(sorted(member_of.get(user, ())))) for user in sorted(left))


def require_placement(nobody: frozenset[str], settings: PlanSettings) -> Iterator[Violation]:
    """One violation per Policy with ``require_placement`` when anyone sees nothing."""
    for policy in settings.policies:
        if policy.require_placement and nobody:
            yield _unplaced_violation(policy, sorted(nobody), settings)


def _unplaced_violation(policy: PolicySpec, users: list[str], settings: PlanSettings) -> Violation:
    noun = "1 user" if len(users) == 1 else f"{len(users)} users"
    return Violation(
        "require_placement",
        f"policy {policy.name!r} requires every user placed, but {noun} would be in no "
        f"project and hold neither Admin nor view_all, so would see nothing: "
        f"{listed(users)}; add them to a project's members",
        settings.locate(("policy", policy.name, "require_placement"))
        or settings.locate(("policy", policy.name)),
    )


def unnamed_note(
    desired: Snapshot, changes: Sequence[Change], nobody: frozenset[str]
) -> Iterator[str]:
    """The note about users no file names whom the plan removes from a project; those
    in ``nobody`` then see nothing."""
    removed: dict[str, set[str]] = {}
    for change in changes:
        if (
            isinstance(change, MemberRemove)
            and change.member_type == "user"
            and change.member not in desired.users
        ):
            removed.setdefault(change.member, set()).add(change.project)
    if not removed:
        return
    users = sorted(removed)
    projects = sorted(set().union(*removed.values()))
    blind_ones = sorted(nobody & removed.keys())
    if blind_ones == users:
        after = ", and then they would see nothing"
    elif blind_ones:
        after = f", and then {listed(blind_ones)} would see nothing"
    else:
        after = ""
    noun = "1 user exists" if len(users) == 1 else f"{len(users)} users exist"
    yield (
        f"{noun} live that no file names: {listed(users)}; the plan removes them from "
        f"{'project' if len(projects) == 1 else 'projects'} {listed(projects)}{after}; "
        "declare them in members.users of a project (Default included) to keep them placed"
    )


def member_reason(
    project: str, member_type: MemberType, member: str, target: Snapshot, settings: PlanSettings
) -> str:
    """Why ``member`` leaves declared ``project`` (its list does not hold it), and what
    the user still sees afterwards."""
    key = "users" if member_type == "user" else "groups"
    why = expiry_reason(("project", project, key, member), settings)
    if why is None:
        why = f"not in members.{key} of project {project}"
        why += _at(settings, ("project", project, key, member))
    return why + (_still_sees(target, member) if member_type == "user" else "")


def object_reason(
    project: str, kind: str, name: str, *, deleted: bool, settings: PlanSettings
) -> str:
    """Why object ``kind/name`` leaves ``project``."""
    if deleted:
        return (
            f"project {project} is deleted; the platform deletes a project only once it "
            "holds no queue, call script, auto-dialer or CRM form"
        )
    return f"not in objects.{kind} of project {project}" + _at(
        settings, ("project", project, "objects", kind, name)
    )


def _at(settings: PlanSettings, key: tuple[str, ...]) -> str:
    position = settings.locate(key)
    if position is None:
        return ""
    return f" ({position.path}:{position.line})" if position.line else f" ({position.path})"


def _still_sees(target: Snapshot, user: str) -> str:
    """``; holds Admin: still sees everything`` and the like, from the resulting state."""
    holds = [
        "Admin" if role.builtin or name == ADMIN_ROLE else f"view_all (role {name})"
        for name, role in sorted(target.roles.items())
        if user in role.users and sees_all(role)
    ]
    return f"; holds {' and '.join(holds)}: still sees everything" if holds else ""


def listed(names: Sequence[str]) -> str:
    """``a, b, c`` (at most ``MAX_LISTED``, then ``and N more``)."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")
