"""A cache file that is not a regular file, or is too large, is a miss, never a hang nor
an error (README: "An entry that is damaged ... is a miss too, never an error"): a FIFO in
place of the parse pack, the state entry or its kept sets is never waited on, and is
replaced by the entry the run writes, never written through. Run as a user runs it:
the real command, relative paths, in a real git repository."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from usercli import UserShell

from reconciler.config.cache import CACHE_FLOOR_BYTES, LOADER_VERSION

#: A command that hangs fails the test after this many seconds instead of hanging it.
HANG = 30.0
CACHE = Path(".reconciler") / "cache"
PARSE = CACHE / f"parse-v{LOADER_VERSION}"
STATE = CACHE / "state-v1"
OK = "ok: 9 documents in 7 files"


def validate(user: UserShell) -> None:
    done = user.run("validate", timeout=HANG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert OK in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def plan(user: UserShell) -> str:
    done = user.run("plan", "--now", "2026-12-01", timeout=HANG)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def is_regular(path: Path) -> bool:
    return stat.S_ISREG(path.lstat().st_mode)


def test_a_fifo_as_the_parse_pack_is_a_miss_and_is_replaced(user_repo: UserShell) -> None:
    validate(user_repo)
    pack = only(user_repo.path(str(PARSE)), "*.json")
    kept = pack.read_bytes()
    to_fifo(pack)
    validate(user_repo)
    assert is_regular(pack) and pack.read_bytes() == kept
    validate(user_repo)  # and a hit again


def test_a_fifo_as_the_state_entry_or_its_sets_is_a_miss_and_is_replaced(
    user_repo: UserShell,
) -> None:
    reference = plan(user_repo)
    entry = only(user_repo.path(str(STATE)), "*.json")
    sets = entry.with_suffix(".sets")
    kept = {entry: entry.read_bytes(), sets: sets.read_bytes()}
    for path in (entry, sets):
        to_fifo(path)
        assert plan(user_repo) == reference, path.name
        assert is_regular(path) and path.read_bytes() == kept[path], path.name
    to_fifo(entry)
    to_fifo(sets)
    assert plan(user_repo) == reference
    assert all(is_regular(p) and p.read_bytes() == kept[p] for p in kept)


def test_a_pack_larger_than_the_limit_is_not_read(user_repo: UserShell) -> None:
    """A pack over the limit (the sum of the YAML files is tiny, so the floor rules) is a
    miss even when it parses: its entries turn every document into one of an unknown
    kind, and would make the files invalid if they were read."""
    validate(user_repo)
    pack = only(user_repo.path(str(PARSE)), "*.json")
    kept = pack.read_bytes()
    poisoned = json.loads(kept)
    for documents, _marks in poisoned["entries"].values():
        for document in documents:
            document["kind"] = "Bogus"
    text = json.dumps(poisoned).encode()
    with open(pack, "wb") as handle:  # JSON padded with spaces past the limit
        handle.write(text)
        handle.write(b" " * (CACHE_FLOOR_BYTES + 1024 * 1024 - len(text)))
    validate(user_repo)
    assert pack.read_bytes() == kept


def test_a_directory_as_the_parse_pack_is_skipped(user_repo: UserShell) -> None:
    validate(user_repo)
    pack = only(user_repo.path(str(PARSE)), "*.json")
    pack.unlink()
    pack.mkdir()
    validate(user_repo)
    assert pack.is_dir()


def test_a_fifo_is_replaced_never_written_through(user_repo: UserShell) -> None:
    """With a reader on the FIFO, a write through it would reach that reader: the run
    puts a new file in its place instead, and the reader gets nothing."""
    validate(user_repo)
    pack = only(user_repo.path(str(PARSE)), "*.json")
    to_fifo(pack)
    reader = os.open(pack, os.O_RDONLY | os.O_NONBLOCK)
    try:
        validate(user_repo)
        assert is_regular(pack)
        assert os.read(reader, 1 << 20) == b""  # no writer ever came
    finally:
        os.close(reader)
