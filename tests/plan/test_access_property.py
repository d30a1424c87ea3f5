"""``access_impact`` against its definition, on random companies before and after.

The definition, written the slow way: a user who sees everything (Admin, view_all) sees
``EVERYTHING``; anyone else sees each object of each project they are in, directly or
through a group. A user gains the objects seen after and not before (one sight per project
that grants it after) and loses the reverse; only users whose sight changes are listed,
in login order.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.access import EVERYTHING, access_impact, sees_everything
from reconciler.plan.model import AccessDelta, Sight
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

USERS = ["anna", "boris", "ivan", "olga", "sv"]
GROUPS = ["g1", "g2"]
PROJECTS = ["Bank", "Fit", "Shop"]
OBJECTS: list[ObjectRef] = [("queues", "IVR"), ("queues", "Sales"), ("schedules", "Hours")]


def subsets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items))


@st.composite
def companies(draw: st.DrawFn) -> Snapshot:
    projects = {}
    for name in draw(st.lists(st.sampled_from(PROJECTS), unique=True)):
        objects = draw(st.frozensets(st.sampled_from(OBJECTS)))
        projects[name] = ProjectState(
            name, "", draw(subsets(USERS)), draw(subsets(GROUPS)), objects
        )
    viewer = RoleState("Viewers", frozenset({"view_all"}), draw(subsets(USERS)))
    admins = RoleState("Admin", frozenset(), draw(subsets(USERS)), builtin=True)
    return Snapshot(
        projects=projects,
        roles={"Viewers": viewer, "Admin": admins},
        users=frozenset(USERS),
        groups={g: draw(subsets(USERS)) for g in GROUPS},
        objects=frozenset(OBJECTS),
    )


def seen(snapshot: Snapshot, user: str) -> dict[object, set[str]]:
    """Each thing ``user`` sees, with the projects that grant it."""
    if user in sees_everything(snapshot):
        return {EVERYTHING: {"*"}}
    groups = {g for g, members in snapshot.groups.items() if user in members}
    found: dict[object, set[str]] = {}
    for name, project in snapshot.projects.items():
        if user in project.users or groups & project.groups:
            for ref in project.objects:
                found.setdefault(ref, set()).add(name)
    return found


def sights(things: dict[object, set[str]], only: set[object]) -> tuple[Sight, ...]:
    out = []
    for thing in only:
        if thing == EVERYTHING:
            out.append(EVERYTHING)
        else:
            kind, name = thing  # type: ignore[misc]
            out.extend(Sight(kind, name, project) for project in things[thing])
    return tuple(sorted(out))


def expected(before: Snapshot, after: Snapshot) -> tuple[AccessDelta, ...]:
    deltas = []
    for user in sorted(USERS):
        old, new = seen(before, user), seen(after, user)
        if EVERYTHING in old and EVERYTHING in new:
            continue
        if EVERYTHING in new:
            gained, lost = (EVERYTHING,), ()
        elif EVERYTHING in old:
            gained, lost = (), (EVERYTHING,)
        else:
            gained = sights(new, set(new) - set(old))
            lost = sights(old, set(old) - set(new))
        if gained or lost:
            deltas.append(AccessDelta(user, gained, lost))
    return tuple(deltas)


@settings(max_examples=400, deadline=None)
@given(companies(), companies())
def test_access_impact_is_its_definition(before: Snapshot, after: Snapshot) -> None:
    assert access_impact(before, after) == expected(before, after)


@settings(max_examples=100, deadline=None)
@given(companies())
def test_a_state_compared_with_itself_changes_nobodys_sight(state: Snapshot) -> None:
    assert access_impact(state, state) == ()


@st.composite
def sharing(draw: st.DrawFn) -> tuple[Snapshot, Snapshot]:
    """A company before and after, the after state holding some of the before state's
    own project and group sets (as a plan's target does): a project or group whose
    members are the same object on both sides is read once."""
    before, other = draw(companies()), draw(companies())
    projects = {}
    for name in sorted(before.projects.keys() | other.projects.keys()):
        source = draw(st.sampled_from([before, other]))
        if name in source.projects:
            projects[name] = source.projects[name]
    groups = {g: draw(st.sampled_from([before, other])).groups[g] for g in GROUPS}
    roles = draw(st.sampled_from([before, other])).roles
    return before, Snapshot(
        projects=projects,
        roles=roles,
        users=before.users,
        groups=groups,
        objects=before.objects,
    )


@settings(max_examples=400, deadline=None)
@given(sharing())
def test_sets_shared_by_both_states_are_no_shortcut(states: tuple[Snapshot, Snapshot]) -> None:
    before, after = states
    assert access_impact(before, after) == expected(before, after)
