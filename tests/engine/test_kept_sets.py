"""The desired state's kept set encodings (``engine.kept_sets``): replayed when the file
is the one recorded for that key, and otherwise never trusted, always giving the
fingerprints made without it, and written anew."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.engine.kept_sets import KeptSets
from reconciler.state.fingerprint import fingerprints
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot, shared

USERS = frozenset(f"agent.{i:03d}" for i in range(300))
OBJECTS = frozenset(("queues", f"Queue {i}") for i in range(300)) | {("ivr", 'say "é"')}


def desired_state() -> Snapshot:
    return Snapshot(
        security_type="advanced",
        users=USERS,
        objects=OBJECTS,
        groups={"team": frozenset(list(USERS)[:10])},
        projects={
            "Alpha": ProjectState("Alpha", "first", USERS, frozenset({"team"}), OBJECTS),
            "Beta": ProjectState("Beta", "", frozenset({"agent.001"})),
        },
        roles={"Ops": RoleState("Ops", frozenset({"view_all"}), frozenset({"agent.002"}))},
    )


def live_state(desired: Snapshot) -> Snapshot:
    """Live as a plan holds it: mostly the same sets as the files, one project apart."""
    live = Snapshot(
        security_type="advanced",
        users=USERS | {"agent.999"},
        objects=OBJECTS,
        groups=dict(desired.groups),
        projects={**desired.projects, "Beta": ProjectState("Beta", "", frozenset({"agent.999"}))},
        roles=dict(desired.roles),
        versions={"Alpha": 3, "Beta": 1},
    )
    return shared(live, desired)


@pytest.fixture
def kept(tmp_path: Path) -> KeptSets:
    return KeptSets(tmp_path / "cache" / "state-v1" / "projects.d-0123.sets", "k" * 64)


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def test_recorded_then_replayed(kept: KeptSets) -> None:
    desired = desired_state()
    live = live_state(desired)
    expected = fingerprints(live, desired)
    assert kept.fingerprints(live, desired) == expected  # recorded
    written = kept.path.read_bytes()
    head, *encodings, trailer, end = lines(kept.path)
    assert json.loads(head) == {"sets": 1, "key": "k" * 64} and end == b""
    desired_print = expected[1].encode()
    sha = hashlib.sha256(b"".join(e + b"\n" for e in encodings) + desired_print).hexdigest()
    assert trailer == sha.encode() + b" " + desired_print
    assert all(e.isascii() for e in encodings)
    assert kept.fingerprints(live, desired) == expected  # replayed
    assert kept.path.read_bytes() == written  # a replay writes nothing
    other_live = shared(Snapshot(users=USERS, objects=OBJECTS), desired)
    assert kept.fingerprints(other_live, desired) == fingerprints(other_live, desired)
    assert kept.path.read_bytes() == written


def test_a_replay_takes_the_encodings_from_the_file(kept: KeptSets) -> None:
    """A file that says other encodings, hashed right, changes the fingerprints: the
    replay uses the file (it is trusted as the state cache entry is, by its key)."""
    desired = desired_state()
    live = live_state(desired)
    kept.fingerprints(live, desired)
    head, *encodings, trailer, _ = lines(kept.path)
    forged = [e.replace(b'"agent.001"', b'"agent.666"') for e in encodings]
    body = b"".join(e + b"\n" for e in forged)
    desired_print = trailer.split(b" ")[1]
    sha = hashlib.sha256(body + desired_print).hexdigest().encode()
    kept.path.write_bytes(head + b"\n" + body + sha + b" " + desired_print + b"\n")
    made = kept.fingerprints(live, desired)
    assert made[0] != fingerprints(live, desired)[0]  # live's shared sets as the file says
    assert made[1] == desired_print.decode()  # the kept fingerprint, not one made again


def damaged(written: bytes) -> dict[str, bytes]:
    head, *rest = written.split(b"\n")
    return {
        "a changed byte": written.replace(b"agent.001", b"agent.00l", 1),
        "a changed fingerprint": written[:-3]
        + (b"0" if written[-3:-2] != b"0" else b"1")
        + written[-2:],
        "a cut": written[: len(written) // 2],
        "no trailer": written[: written.rindex(b"\n", 0, len(written) - 1) + 1],
        "a line more": written + b"[]\n",
        "a line less": b"\n".join([head, *rest[1:]]),
        "another key": b"\n".join([head.replace(b"k" * 64, b"0" * 64), *rest]),
        "another version": b"\n".join([head.replace(b'"sets": 1', b'"sets": 9'), *rest]),
        "not ASCII": written.replace(b"agent.001", "agént.01".encode(), 1),
        "no head": b"\n".join(rest),
        "garbage": b"\x00\xff garbage",
        "empty": b"",
    }


def test_a_damaged_or_foreign_file_is_never_trusted(kept: KeptSets) -> None:
    desired = desired_state()
    live = live_state(desired)
    expected = fingerprints(live, desired)
    kept.fingerprints(live, desired)
    written = kept.path.read_bytes()
    for case, data in damaged(written).items():
        kept.path.write_bytes(data)
        assert kept.fingerprints(live, desired) == expected, case
        assert kept.path.read_bytes() == written, case  # recorded again


def test_a_file_that_cannot_be_read_or_written_is_skipped(kept: KeptSets) -> None:
    desired = desired_state()
    live = live_state(desired)
    expected = fingerprints(live, desired)
    kept.path.mkdir(parents=True)  # a directory where the file goes
    assert kept.fingerprints(live, desired) == expected
    assert kept.path.is_dir() and not list(kept.path.parent.glob(".*.tmp"))
    kept.path.rmdir()
    kept.path.parent.rmdir()
    kept.path.parent.write_text("a file where the directory goes")
    assert kept.fingerprints(live, desired) == expected
    assert kept.path.parent.read_text() == "a file where the directory goes"


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from test_kept_sets import desired_state, live_state
from reconciler.engine.kept_sets import KeptSets
from reconciler.state.fingerprint import fingerprints
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (8_000, resource.RLIM_INFINITY))
desired = desired_state()
live = live_state(desired)
assert KeptSets(Path(sys.argv[1]), "k" * 64).fingerprints(live, desired) == fingerprints(
    live, desired
)
"""


def test_a_write_that_fails_midway_leaves_no_file(kept: KeptSets) -> None:
    """A disk that fills while the encodings are written (a file size limit, in a
    process of its own): the fingerprints are still made, and no part of a file is left
    to be replayed."""
    desired = desired_state()
    live = live_state(desired)
    kept.fingerprints(live, desired)
    written = kept.path.read_bytes()
    assert len(written) > 16_000  # past the limit of FULL_DISK
    kept.path.write_bytes(b"stale")
    here = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(kept.path), here],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert kept.path.read_bytes() == b"stale"  # not replaced by a part of a file
    assert not list(kept.path.parent.glob(".*.tmp"))
    assert kept.fingerprints(live, desired) == fingerprints(live, desired)
    assert kept.path.read_bytes() == written
