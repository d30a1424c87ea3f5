"""The fast fingerprint writes exactly the canonical JSON its definition names: a saved
plan's fingerprints are compared with ones made later, and the plan checksum covers them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.state.fingerprint import fingerprint, fingerprints
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot, shared

#: Names as users type them, and some that JSON must escape (quotes, backslashes,
#: control characters, non-ASCII, surrogates' neighbours).
PLAIN = st.text(alphabet="abcxyz019 .-_", min_size=1, max_size=6)
ODD = st.text(min_size=0, max_size=4)
QUOTED = st.text(alphabet='ab"\\\n\x7fé ', min_size=1, max_size=4)
NAMES = st.one_of(PLAIN, PLAIN, ODD, QUOTED)
KINDS = st.sampled_from(["queues", "schedules", "ivr", 'k"ind'])
REFS = st.tuples(KINDS, NAMES)
#: up to 300 items, so both the short and the long (joined) encodings are written
SETS = (
    st.frozensets(NAMES, max_size=300)
    | st.frozensets(PLAIN, max_size=8)
    | st.builds(
        frozenset.union, st.frozensets(PLAIN, max_size=4), st.frozensets(QUOTED, max_size=1)
    )
)
REF_SETS = st.frozensets(REFS, max_size=300) | st.frozensets(st.tuples(KINDS, PLAIN), max_size=8)


def canonical(snapshot: Snapshot) -> str:
    blob = json.dumps(snapshot.to_data(), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    names = draw(st.lists(NAMES, unique=True, max_size=4))
    projects = {
        n: ProjectState(n, draw(ODD), draw(SETS), draw(SETS), draw(REF_SETS)) for n in names
    }
    roles = {
        n: RoleState(n, draw(SETS), draw(SETS), draw(st.booleans()))
        for n in draw(st.lists(NAMES, unique=True, max_size=3))
    }
    return Snapshot(
        security_type=draw(st.sampled_from([None, "simple", "advanced"])),
        projects=projects,
        roles=roles,
        users=draw(SETS),
        groups=draw(st.dictionaries(NAMES, SETS, max_size=3)),
        objects=draw(REF_SETS),
        versions=draw(st.dictionaries(NAMES, st.integers(0, 2**40), max_size=3)),
    )


@settings(max_examples=150, deadline=None)
@given(snapshots(), snapshots())
def test_the_fast_fingerprint_is_the_canonical_one(one: Snapshot, other: Snapshot) -> None:
    assert fingerprint(one) == canonical(one)
    assert one.fingerprint() == canonical(one)
    assert fingerprints(one, other, one) == (canonical(one), canonical(other), canonical(one))


def test_an_empty_snapshot_and_long_plain_lists() -> None:
    empty = Snapshot()
    assert fingerprint(empty) == canonical(empty)
    users = frozenset(f"user{i:05d}" for i in range(3000))
    refs = frozenset(("queues", f"q {i}") for i in range(3000))
    big = Snapshot(
        users=users,
        objects=refs | {("ivr", "é"), ("ivr", 'say "hi"')},
        projects={"P": ProjectState("P", "", users, frozenset(), refs)},
    )
    assert fingerprint(big) == canonical(big)


def recorded(*snapshots: Snapshot) -> tuple[tuple[str, ...], list[str]]:
    """The fingerprints made through a tape recording the last snapshot's sets, and what
    it recorded."""
    tape: list[str] = []

    def record(encode: Callable[[], str]) -> str:
        tape.append(encode())
        return tape[-1]

    return fingerprints(*snapshots, tape=record, taped=snapshots[-1]), tape


def replayed(tape: list[str], *snapshots: Snapshot, taped: Snapshot) -> tuple[str, ...]:
    lines = iter(tape)
    made = fingerprints(*snapshots, tape=lambda encode: next(lines), taped=taped)
    assert next(lines, None) is None  # every encoding asked for, no more
    return made


@settings(max_examples=150, deadline=None)
@given(snapshots(), snapshots(), snapshots())
def test_a_tape_of_the_last_snapshot_gives_the_same_fingerprints(
    desired: Snapshot, live: Snapshot, later: Snapshot
) -> None:
    """Recorded with one live state and replayed with another (live changes between
    plans, the files do not): the same bytes, the shared sets taken from the tape."""
    live = shared(live, desired)  # the sets they agree on are one object, as in a plan
    made, tape = recorded(live, desired)
    assert made == (canonical(live), canonical(desired))
    assert tape == recorded(desired)[1]  # what is taped depends on the taped one only
    later = shared(later, desired)
    assert replayed(tape, later, desired, taped=desired) == (canonical(later), canonical(desired))
    # the taped snapshot need not be written (its fingerprint is kept with the tape)
    assert replayed(tape, later, taped=desired) == (canonical(later),)
    empty = Snapshot()
    assert replayed(recorded(empty)[1], later, taped=empty) == (canonical(later),)


def test_a_replayed_encoding_is_what_is_written() -> None:
    """The tape is used, not checked: a live set that is one of the desired state's is
    written as the tape says (so the tape must be the desired state's own, which
    ``engine.kept_sets`` makes sure of)."""
    users = frozenset({"ann", "bob"})
    desired = Snapshot(users=users, projects={"P": ProjectState("P", "", users)})
    live = Snapshot(users=users, projects={"P": desired.projects["P"]})
    _, tape = recorded(live, desired)
    assert tape.count('["ann","bob"]') == 2  # the project's users and the company's
    forged = [t.replace('"bob"', '"eve"') for t in tape]
    live_print, desired_print = replayed(forged, live, desired, taped=desired)
    assert (live_print, desired_print) != (canonical(live), canonical(desired))
    assert live_print == canonical(
        Snapshot(
            users=frozenset({"ann", "eve"}),
            projects={"P": ProjectState("P", "", frozenset({"ann", "eve"}))},
        )
    )
