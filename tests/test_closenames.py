"""``closenames``: difflib's answer from a short list, and from a long one a name as
close to a typo as the closest a full comparison finds, looking near it only."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.closenames import NEAR, CloseNames, close_names

#: 8,000 logins alike in their start and their end, as companies name agents.
LONG = sorted(
    f"{site}.agent.{team:03d}.{seat:02d}"
    for site in ("kyiv", "lviv")
    for team in range(200)
    for seat in range(20)
)
INDEX = CloseNames(LONG)


def scores(name: str, found: list[str]) -> list[float]:
    """Each found name's ratio to ``name`` as ``get_close_matches`` ranks it: the found
    name first (``ratio`` is not symmetric: with the two swapped, ties of the longest
    match fall elsewhere, and a right order can look wrong)."""
    return [difflib.SequenceMatcher(None, f, name).ratio() for f in found]


@st.composite
def typos(draw: st.DrawFn) -> str:
    """A name of the list with one character changed, dropped, added or two swapped."""
    name = draw(st.sampled_from(LONG))
    at = draw(st.integers(0, len(name) - 2))
    char = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789._"))
    how = draw(st.sampled_from(["change", "drop", "add", "swap"]))
    if how == "change":
        return name[:at] + char + name[at + 1 :]
    if how == "drop":
        return name[:at] + name[at + 1 :]
    if how == "add":
        return name[:at] + char + name[at:]
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


@settings(max_examples=60, deadline=None)
@given(typos())
def test_a_typo_gets_what_a_full_comparison_finds(typo: str) -> None:
    assert len(LONG) > 2 * NEAR
    full = difflib.get_close_matches(typo, LONG, n=3, cutoff=0.6)
    near = INDEX.close(typo)
    # a name as close as the closest of the full comparison's, first (of names equally
    # close, difflib keeps the last in sorted order: another of them is as good); the
    # others may be less close than the full comparison's next ones
    assert full and near and scores(typo, near)[0] == scores(typo, full)[0]
    assert sorted(scores(typo, near), reverse=True) == scores(typo, near)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=2 * NEAR), st.text(max_size=8))
def test_a_short_list_is_compared_in_full(names: list[str], name: str) -> None:
    expected = difflib.get_close_matches(name, sorted(set(names)), n=3, cutoff=0.6)
    assert close_names(name, names) == expected


def test_no_close_name_and_an_empty_list() -> None:
    assert INDEX.close("zzzzzzzz") == []
    assert close_names("anna", []) == []
    assert close_names("anna", ["anna", "anna", "ann"], n=3) == ["anna", "ann"]  # once each
