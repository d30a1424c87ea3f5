from __future__ import annotations

from collections.abc import Callable

import click

from reconciler.plan.changes import MemberAdd, MemberRemove
from reconciler.plan.model import AccessDelta, Plan, Sight
from reconciler.render.describe import users_see
from reconciler.render.text import render_text

Golden = Callable[[str, str], None]


def test_realistic_plan_matches_golden(realistic_plan: Plan, golden: Golden) -> None:
    golden("realistic.txt", render_text(realistic_plan))


def test_blocked_plan_matches_golden(blocked_plan: Plan, golden: Golden) -> None:
    golden("blocked.txt", render_text(blocked_plan))


def test_empty_plan_matches_golden(empty_plan: Plan, golden: Golden) -> None:
    golden("empty.txt", render_text(empty_plan))


def test_colour_only_when_asked_and_only_adds_styling(realistic_plan: Plan) -> None:
    plain = render_text(realistic_plan)
    coloured = render_text(realistic_plan, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert click.unstyle(coloured) == plain


def test_same_plan_gives_identical_bytes(realistic_plan: Plan) -> None:
    rebuilt = Plan(
        changes=tuple(reversed(realistic_plan.changes)),
        live_fingerprint=realistic_plan.live_fingerprint,
        desired_fingerprint=realistic_plan.desired_fingerprint,
    )
    again = Plan(
        changes=realistic_plan.changes,
        live_fingerprint=realistic_plan.live_fingerprint,
        desired_fingerprint=realistic_plan.desired_fingerprint,
    )
    # the change listing is sorted by the renderer, whatever order the tuple has
    listing = render_text(rebuilt).split("\n\nPlan:")[0]
    assert listing == render_text(again).split("\n\nPlan:")[0]
    assert render_text(realistic_plan) == render_text(realistic_plan)


def _delta(user: str, n: int) -> AccessDelta:
    return AccessDelta(user, gained=tuple(Sight("lists", f"L{i:03}", "P") for i in range(n)))


def test_access_impact_truncates_users_and_objects() -> None:
    deltas = tuple(_delta(f"u{i:03}", 25) for i in range(60))
    plan = Plan(
        (MemberAdd("P", "user", "u000"),),
        "sha256:" + "0" * 64,
        "sha256:" + "1" * 64,
        access_impact=deltas,
    )
    out = render_text(plan, max_users=50, max_sights=10)
    assert "Access impact (60 users see different objects):" in out
    assert out.count("    ... and 15 more\n") == 50
    assert "  ... and 10 more users (see --format json)\n" in out
    assert "u049: +25 -0" in out and "u050" not in out


def test_control_characters_in_names_cannot_forge_lines_or_colours() -> None:
    evil = "x\n    + user root\x1b[32m"
    plan = Plan(
        (MemberRemove(evil, "user", evil, reason=evil),), "sha256:" + "0" * 64, "sha256:" + "1" * 64
    )
    out = render_text(plan)
    assert "\x1b" not in out
    assert "\n    + user root" not in out
    assert "project x\\n    + user root\\x1b[32m" in out


def test_seeing_everything_reads_as_such() -> None:
    plan = Plan(
        (MemberAdd("P", "user", "olga"),),
        "sha256:" + "0" * 64,
        "sha256:" + "1" * 64,
        access_impact=(AccessDelta("olga", lost=(Sight("*", "*", "*"),)),),
    )
    assert "  olga: +0 -1\n    - everything (Admin or view_all)\n" in render_text(plan)


def test_access_impact_headline_agrees_in_number() -> None:
    assert users_see(1) == "1 user sees"
    assert users_see(27) == "27 users see"
