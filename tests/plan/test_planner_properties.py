"""Planner invariants over generated (desired, live) pairs that satisfy the rules."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import q, role, s

from reconciler.kinds import ADMIN_ROLE, PERMISSIONS, SINGLE_PROJECT_KINDS
from reconciler.plan.access import _Index
from reconciler.plan.changes import ProjectDelete
from reconciler.plan.planner import plan, resolve
from reconciler.plan.settings import PlanSettings
from reconciler.plan.simulate import apply_in_memory, apply_phases
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

USERS = tuple(f"u{i}" for i in range(6))
GROUPS = ("g0", "g1", "g2")
SINGLES = tuple(q(f"q{i}") for i in range(4))
MULTIS = tuple(s(f"s{i}") for i in range(3))
LIVE_NAMES = ("Default", "A", "B", "C", "E")
DESIRED_NAMES = ("Default", "A", "B", "D", "F")
PERMS = st.frozensets(st.sampled_from(PERMISSIONS))

subsets = st.frozensets


@st.composite
def projects(draw: st.DrawFn, names: tuple[str, ...]) -> dict[str, ProjectState]:
    chosen = sorted(draw(subsets(st.sampled_from(names))))
    owner = {ref: draw(st.sampled_from([None, *chosen])) for ref in SINGLES}
    return {
        name: ProjectState(
            name,
            draw(st.sampled_from(["", "x", "y"])),
            draw(subsets(st.sampled_from(USERS))),
            draw(subsets(st.sampled_from(GROUPS))),
            draw(subsets(st.sampled_from(MULTIS))) | {ref for ref, o in owner.items() if o == name},
        )
        for name in chosen
    }


@st.composite
def roles(draw: st.DrawFn, custom: tuple[str, ...]) -> dict[str, RoleState]:
    admins = draw(subsets(st.sampled_from(USERS), min_size=1))
    found = {ADMIN_ROLE: RoleState(ADMIN_ROLE, frozenset(), admins, True)}
    for name in draw(subsets(st.sampled_from(custom))):
        found[name] = role(name, draw(PERMS), draw(subsets(st.sampled_from(USERS))))
    return found


@st.composite
def live_states(draw: st.DrawFn) -> Snapshot:
    members = {g: draw(subsets(st.sampled_from(USERS))) for g in GROUPS}
    return Snapshot(
        security_type=draw(st.sampled_from(["advanced", "advanced", "simple"])),
        projects=draw(projects(LIVE_NAMES)),
        roles=draw(roles(("R0", "R1"))),
        users=frozenset(USERS),
        groups=members,
        objects=frozenset(SINGLES + MULTIS),
        versions={},
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Snapshot, Snapshot, PlanSettings]:
    """A live state, a valid desired state (every reference exists live, the
    single-project rule holds) and file settings, renames included."""
    live = draw(live_states())
    if live.security_type == "simple":
        live = replace(live, projects={})
    wanted = draw(projects(DESIRED_NAMES))
    refs = {r for p in wanted.values() for r in p.users}
    want = Snapshot(
        security_type=draw(st.sampled_from([None, "advanced"])),
        projects=wanted,
        roles=draw(roles(("R0", "R2"))),
        users=frozenset(refs),
        groups={g: frozenset() for p in wanted.values() for g in p.groups},
        objects=frozenset(r for p in wanted.values() for r in p.objects),
    )
    renames = {}
    if draw(st.booleans()):
        renames = {"D": ("E", "Z")}
    settings = PlanSettings(
        prune=draw(st.booleans()),
        remove_placed_members=draw(st.booleans()),
        renames=renames,
        allow_mass_change=True,
    )
    return want, live, settings


def state(snapshot: Snapshot) -> dict[str, object]:
    return snapshot.to_data()


@settings(max_examples=50, deadline=None)
@given(live_states())
def test_a_state_planned_against_itself_is_empty(live: Snapshot) -> None:
    assert plan(live, live).changes == ()


@settings(max_examples=60, deadline=None)
@given(cases())
def test_applying_the_plan_reaches_the_desired_state(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    want, live, cfg = case
    deleted = {c.name for c in plan(want, live, cfg).changes if isinstance(c, ProjectDelete)}
    cfg = replace(cfg, allow_delete=frozenset(deleted))  # as a reviewer acknowledges them
    result = plan(want, live, cfg)
    assert result.applicable, result.violations
    after = apply_in_memory(live, result.changes)
    assert state(after) == state(resolve(want, live, cfg).target)
    _assert_managed_parts_equal(want, after)
    _assert_default_policy(want, live, after, cfg)
    # idempotent: planning again against the result changes nothing
    assert plan(want, after, cfg).changes == ()


def _assert_managed_parts_equal(want: Snapshot, after: Snapshot) -> None:
    if want.security_type is not None:
        assert after.security_type == want.security_type
    if after.security_type == "advanced":
        for name, project in want.projects.items():
            assert after.projects[name] == project
    for name, wanted_role in want.roles.items():
        assert after.roles[name].users == wanted_role.users
        if not after.roles[name].builtin:
            assert after.roles[name].permissions == wanted_role.permissions


def _assert_default_policy(
    want: Snapshot, live: Snapshot, after: Snapshot, cfg: PlanSettings
) -> None:
    default = after.projects.get("Default")
    if default is None or "Default" in want.projects or not cfg.remove_placed_members:
        return
    placed = {u for n, p in want.projects.items() if n != "Default" for u in p.users}
    assert not default.users & placed
    if live.security_type == "advanced" and "Default" in live.projects:
        assert default.users == live.projects["Default"].users - placed


@settings(max_examples=40, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_order_is_deterministic(case: tuple[Snapshot, Snapshot, PlanSettings], rnd) -> None:  # type: ignore[no-untyped-def]
    want, live, cfg = case
    first = plan(want, live, cfg)
    again = plan(_shuffled(want, rnd), _shuffled(live, rnd), cfg)
    assert again.changes == first.changes
    assert again.checksum() == first.checksum()


def _shuffled(snapshot: Snapshot, rnd) -> Snapshot:  # type: ignore[no-untyped-def]
    def reorder(items: list) -> list:  # type: ignore[type-arg]
        rnd.shuffle(items)
        return items

    projects = {
        n: replace(
            p, users=frozenset(reorder(list(p.users))), objects=frozenset(reorder(list(p.objects)))
        )
        for n, p in reorder(list(snapshot.projects.items()))
    }
    roles = dict(reorder(list(snapshot.roles.items())))
    return replace(snapshot, projects=projects, roles=roles)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_no_intermediate_state_leaves_a_gap(case: tuple[Snapshot, Snapshot, PlanSettings]) -> None:
    """In every phase: a single-project object that is in a project before and after is
    in exactly one project; a user sees (through projects) everything they see both
    before and after; every change applies (the simulation is as strict as the platform)."""
    want, live, cfg = case
    result = plan(want, live, cfg)
    res = resolve(want, live, cfg)
    before, after = res.base, res.target
    steady = _steady_objects(before, after)
    kept = {u: _seen(before, u) & _seen(after, u) for u in USERS}
    for _, mid in apply_phases(live, result.changes):
        if mid.security_type != "advanced" or mid.projects.keys() == set():
            continue
        for ref in steady:
            assert len(mid.projects_of_object(ref)) == 1, (ref, mid.projects_of_object(ref))
        for user in USERS:
            assert kept[user] <= _seen(mid, user)


def _steady_objects(before: Snapshot, after: Snapshot) -> set[ObjectRef]:
    return {
        ref
        for ref in SINGLES
        if ref[0] in SINGLE_PROJECT_KINDS
        and len(before.projects_of_object(ref)) == 1
        and len(after.projects_of_object(ref)) == 1
    }


def _seen(snapshot: Snapshot, user: str) -> set[ObjectRef]:
    return set(_Index(snapshot).objects_of(user)) if snapshot.projects else set()
