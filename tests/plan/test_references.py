"""Unknown references in a large company: "did you mean" stays useful and bounded.

Comparing an unknown name with every live one cost seconds per name against 200,000
users (a plan with a few leavers took minutes); a long list is now looked at near the
name only, and only the first ``SUGGESTED`` unknown names of a plan are looked for."""

from __future__ import annotations

import difflib

from reconciler.closenames import NEAR
from reconciler.plan.planner import plan
from reconciler.plan.references import SUGGESTED
from reconciler.state.snapshot import ProjectState, Snapshot

#: Logins alike in their start (a team) and their end (a seat), as generated companies
#: and real ones name agents.
LIVE = frozenset(f"agent.{team:03d}.{seat:02d}" for team in range(200) for seat in range(20))
TYPOS = [
    "agent.017.0x",
    "agnet.042.07",
    "xagent.120.13",
    "agent.120.13x",
    "agent.19.05",
    "AGENT.007.07",
]


def messages(users: list[str], *, projects: int = 1) -> list[str]:
    live = Snapshot(security_type="advanced", users=LIVE, projects={})
    want = Snapshot(
        security_type="advanced",
        users=frozenset(users),
        projects={f"P{i}": ProjectState(f"P{i}", "", frozenset(users)) for i in range(projects)},
    )
    return [v.message for v in plan(want, live).violations if v.code == "unknown_reference"]


def full_scan(name: str) -> list[str]:
    """What comparing with every live name suggests (the names are lower case already)."""
    return difflib.get_close_matches(name.lower(), sorted(LIVE), n=3, cutoff=0.6)


def scores(name: str, found: list[str]) -> list[float]:
    """As ``get_close_matches`` ranks them: the found name first (``ratio`` is not
    symmetric)."""
    return [difflib.SequenceMatcher(None, f, name.lower()).ratio() for f in found]


def suggested(message: str) -> list[str]:
    if "did you mean " not in message:
        return []
    listed = message.split("did you mean ")[1].split("?", maxsplit=1)[0]
    return [n.strip().strip("'") for n in listed.split(",")]


def test_a_typo_in_a_large_company_gets_a_name_as_close_as_a_full_scan_finds() -> None:
    assert len(LIVE) > 2 * NEAR  # the near names, not every one, are compared
    found = messages(TYPOS)
    assert len(found) == len(TYPOS)
    for name in TYPOS:
        (message,) = [m for m in found if f"user {name!r} " in m]
        best = full_scan(name)
        assert best, name  # each of these typos has close names
        # a name as close as the full scan's closest, first (of names equally close, a
        # full scan keeps the last in sorted order: another of them is as good)
        assert scores(name, suggested(message))[0] == scores(name, best)[0], name


def test_suggestions_are_looked_for_the_first_names_only_and_once_per_name() -> None:
    unknown = [f"agent.{team:03d}.{seat:02d}x" for team in range(30) for seat in range(10)]
    assert len(unknown) > SUGGESTED
    found = messages(unknown, projects=2)
    assert len(found) == 2 * len(unknown)  # every unknown name is still reported
    with_names = [m for m in found if "did you mean" in m]
    # the same name in both projects: the same answer, looked for once
    looked = {m.split("user ")[1].split(" does")[0] for m in with_names}
    assert len(looked) == SUGGESTED and len(with_names) == 2 * SUGGESTED
    first = sorted(unknown)[:SUGGESTED]  # in the order the violations are made
    assert looked == {repr(n) for n in first}
    assert messages(unknown, projects=2) == found  # the same plan, the same words
