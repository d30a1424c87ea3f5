"""Cache files are opened so that nothing there can hang a run, read it past a limit or
lead it outside the cache dir (``fsutil.open_cache_file``, ``replacing_cache_file``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.config.cache import ParseCache
from reconciler.fsutil import open_cache_file, replacing_cache_file, stays_inside


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "cache" / "sub").mkdir(parents=True)
    return tmp_path / "cache"


def test_a_regular_file_is_read(root: Path) -> None:
    (root / "sub" / "a.json").write_bytes(b"line 1\nline 2\n")
    with open_cache_file(root / "sub" / "a.json", root, 14) as handle:
        assert handle.readline() == b"line 1\n"
        assert handle.read() == b"line 2\n"


def test_a_fifo_is_refused_without_waiting(root: Path) -> None:
    os.mkfifo(root / "sub" / "a.json")
    with pytest.raises(OSError, match="not a regular file"):
        open_cache_file(root / "sub" / "a.json", root, 1 << 20)


def test_a_directory_and_a_symlink_are_refused(root: Path, tmp_path: Path) -> None:
    (root / "sub" / "dir.json").mkdir()
    with pytest.raises(OSError):
        open_cache_file(root / "sub" / "dir.json", root, 1 << 20)
    (tmp_path / "real.json").write_bytes(b"{}")
    (root / "sub" / "link.json").symlink_to(tmp_path / "real.json")
    with pytest.raises(OSError):
        open_cache_file(root / "sub" / "link.json", root, 1 << 20)


def test_a_file_over_the_limit_is_refused_and_one_that_grows_past_it_stops(root: Path) -> None:
    path = root / "sub" / "a.json"
    path.write_bytes(b"x" * 11)
    with pytest.raises(OSError):
        open_cache_file(path, root, 10)
    path.write_bytes(b"x" * 10)
    with open_cache_file(path, root, 10) as handle:
        with open(path, "ab") as grower:
            grower.write(b"more")
        with pytest.raises(OSError):
            handle.read()


def test_a_directory_leading_outside_the_root_is_neither_read_nor_written(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.json").write_bytes(b"{}")
    (root / "away").symlink_to(outside)
    assert not stays_inside(root / "away" / "a.json", root)
    assert stays_inside(root / "sub" / "new" / "a.json", root)
    with pytest.raises(OSError):
        open_cache_file(root / "away" / "a.json", root, 1 << 20)
    with pytest.raises(OSError), replacing_cache_file(root / "away" / "a.json", root) as handle:
        handle.write(b"never")
    (root / "dangling").symlink_to(outside / "not" / "yet")
    with pytest.raises(OSError), replacing_cache_file(root / "dangling" / "a.json", root):
        pass
    assert sorted(p.name for p in outside.iterdir()) == ["a.json"]
    assert (outside / "a.json").read_bytes() == b"{}"


def test_a_symlink_or_fifo_is_replaced_not_written_through(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.json"
    target.write_bytes(b"kept")
    (root / "sub" / "link.json").symlink_to(target)
    os.mkfifo(root / "sub" / "fifo.json")
    for name in ("link.json", "fifo.json", "new/made.json"):
        with replacing_cache_file(root / "sub" / name, root) as handle:
            handle.write(b"new")
        assert not (root / "sub" / name).is_symlink()
        assert (root / "sub" / name).read_bytes() == b"new"
    assert target.read_bytes() == b"kept"


def test_a_pack_over_its_limit_is_a_miss(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    cache.put("abc", [{"a": 1}], "[]")
    cache.save()
    size = cache.path.stat().st_size
    assert ParseCache(tmp_path, limit=size).get("abc") == [{"a": 1}]
    assert ParseCache(tmp_path, limit=size - 1).get("abc") is None
