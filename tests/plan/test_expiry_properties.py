"""Time-limited access under a moving clock: planner invariants over generated cases.

Every case is a live state, a valid desired state with some of its memberships and role
holdings limited in time, and a day. Whatever the day: no access past its date survives
the plan, nothing before its date is removed because of it, an expiry removes exactly
that access (the plan equals the plan of files without the expired entries, reasons
aside), and it never trips the mass-removal threshold.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_planner_properties import cases

from reconciler.plan.changes import Change, MemberRemove, RoleHolderRemove
from reconciler.plan.expiry import is_expiry, without_expired
from reconciler.plan.planner import plan
from reconciler.plan.settings import Expiry, Key, PlanSettings
from reconciler.plan.simulate import apply_in_memory
from reconciler.state.snapshot import Snapshot

START = date(2026, 12, 1)


def entries(desired: Snapshot) -> list[Key]:
    keys: list[Key] = []
    for name, project in sorted(desired.projects.items()):
        keys += [("project", name, "users", u) for u in sorted(project.users)]
        keys += [("project", name, "groups", g) for g in sorted(project.groups)]
    for name, role in sorted(desired.roles.items()):
        keys += [("role", name, "users", u) for u in sorted(role.users)]
    return keys


@st.composite
def timed_cases(draw: st.DrawFn) -> tuple[Snapshot, Snapshot, PlanSettings]:
    desired, live, base = draw(cases())
    keys = entries(desired)
    chosen = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    expiries = {k: Expiry(START + timedelta(days=draw(st.integers(0, 40))), "r") for k in chosen}
    today = START + timedelta(days=draw(st.integers(0, 45)))
    return desired, live, replace(base, expiries=expiries, today=today)


def holds(snapshot: Snapshot, key: Key) -> bool:
    where, name, field, member = key
    if where == "role":
        return name in snapshot.roles and member in snapshot.roles[name].users
    project = snapshot.projects.get(name)
    return project is not None and member in getattr(project, field)


def removes(change: Change, key: Key) -> bool:
    where, name, field, member = key
    if isinstance(change, RoleHolderRemove):
        return key == ("role", change.role, "users", change.user)
    if isinstance(change, MemberRemove):
        kind = "users" if change.member_type == "user" else "groups"
        return (where, name, field, member) == ("project", change.project, kind, change.member)
    return False


def without_reasons(changes: tuple[Change, ...]) -> list[dict[str, object]]:
    return [{k: v for k, v in c.to_dict().items() if k != "reason"} for c in changes]


@settings(max_examples=80, deadline=None)
@given(timed_cases())
def test_no_access_past_its_date_survives_a_plan(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    desired, live, config = case
    after = apply_in_memory(live, plan(desired, live, config).changes)
    assert config.today is not None
    for key, expiry in config.expiries.items():
        if expiry.until <= config.today and after.security_type == "advanced":
            assert not holds(after, key), f"{key} expired on {expiry.until} but survives"


@settings(max_examples=80, deadline=None)
@given(timed_cases())
def test_nothing_before_its_date_is_removed(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    desired, live, config = case
    result = plan(desired, live, config)
    assert config.today is not None
    for key, expiry in config.expiries.items():
        if expiry.until > config.today:
            assert not any(removes(c, key) for c in result.changes), key
    for change in result.changes:
        reason = getattr(change, "reason", "")
        if is_expiry(reason):
            key = next(k for k in config.expiries if removes(change, k))
            assert config.expiries[key].until <= config.today


@settings(max_examples=80, deadline=None)
@given(timed_cases())
def test_an_expiry_removes_that_access_and_nothing_else(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    """Expired entries plan exactly as if they were deleted from the files."""
    desired, live, config = case
    deleted = without_expired(desired, config)
    bare = replace(config, expiries={}, today=None)
    assert without_reasons(plan(desired, live, config).changes) == without_reasons(
        plan(deleted, live, bare).changes
    )


@settings(max_examples=80, deadline=None)
@given(timed_cases())
def test_expiries_alone_never_trip_the_mass_removal_threshold(
    case: tuple[Snapshot, Snapshot, PlanSettings],
) -> None:
    """With the files otherwise equal to live, whatever expires, no mass_remove."""
    _, live, config = case
    if live.security_type != "advanced":
        return
    keys = entries(live)
    expiries = {k: Expiry(START, "over") for k in keys}
    strict = replace(
        config,
        expiries=expiries,
        today=START,
        allow_mass_change=False,
        min_existing=1,
        prune=False,
        renames={},
        remove_placed_members=False,
    )
    result = plan(replace(live, security_type=None), live, strict)
    assert all(v.code != "mass_remove" for v in result.violations)
    removed = [c for c in result.changes if isinstance(c, MemberRemove)]
    assert all(is_expiry(c.reason) for c in removed)
