"""Atomic text writes: all or nothing, and the modes people expect."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reconciler.fsutil import write_text_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "a.yaml", "name: A\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == "name: A\n"
    assert mode(tmp_path / "a.yaml") == 0o640


def test_a_replaced_file_keeps_its_mode_and_nothing_else_is_left(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("old\n")
    path.chmod(0o604)
    write_text_atomic(path, "new ✓\n")
    assert path.read_text(encoding="utf-8") == "new ✓\n"
    assert mode(path) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "lone surrogate \ud800")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
