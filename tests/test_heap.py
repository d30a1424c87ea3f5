"""glibc's mmap threshold, fixed by ``reconciler`` at start: a large block stays its own
mapping even after a larger one was freed (by default it would come from the heap)."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from reconciler.heap import THRESHOLD, fix_mmap_threshold

GLIBC = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")

#: In a fresh interpreter: free a 3 x THRESHOLD block, then ask for 2 x THRESHOLD; print
#: whether that one is mmapped (``mallinfo2().hblkhd``: the bytes in mmapped blocks).
PROBE = f"""
import ctypes, sys
from reconciler.heap import fix_mmap_threshold
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
        "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
larger = bytearray(3 * {THRESHOLD})
del larger
block = bytearray(2 * {THRESHOLD})
print(libc.mallinfo2().hblkhd >= 2 * {THRESHOLD})
"""


@pytest.mark.skipif(not GLIBC, reason="glibc only")
@pytest.mark.parametrize(("how", "mapped"), [("fixed", "True"), ("default", "False")])
def test_a_large_block_is_mapped_after_a_larger_one_was_freed(how: str, mapped: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, how], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == mapped


def test_it_is_set_on_glibc_only() -> None:
    assert fix_mmap_threshold() is GLIBC


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_the_command_sets_it() -> None:
    """``reconciler --version`` run in-process, the probe after it: set by ``main``."""
    probe = PROBE.replace('if sys.argv[1] == "fixed":\n    assert fix_mmap_threshold()\n', "")
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: exec({probe!r}, {{}}))\n"
        "sys.argv = ['reconciler', '--version']\n"
        "from reconciler.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "True"
