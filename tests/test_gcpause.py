"""``paused_gc``: no collection inside, and none of the put-off kind right after;
``left_for_the_exit``: never freed when the process ends with the command, freed else.

Whether an object is frozen is read from the object itself: ``gc.get_objects()`` lists
the collector's three generations and not the permanent one that ``gc.freeze`` moves
objects to. The process-wide ``gc.get_freeze_count()`` is no witness: it falls whenever
any frozen object is freed, by this test or by another thread of the process.
"""

from __future__ import annotations

import gc
import subprocess
import sys

from reconciler.gcpause import paused_gc


def frozen(obj: object) -> bool:
    assert gc.is_tracked(obj)
    return not any(tracked is obj for tracked in gc.get_objects())


def test_the_block_pauses_the_collector_and_freezes_what_it_built() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        built = [[i] for i in range(5_000)]
        assert not frozen(built)
    assert gc.isenabled()
    assert frozen(built)
    assert frozen(built[-1])
    gc.unfreeze()
    assert not frozen(built)


def test_a_nested_block_leaves_the_outer_pause_alone() -> None:
    with paused_gc():
        with paused_gc():
            inner = [[0]]
        assert not gc.isenabled()
        assert not frozen(inner)
    assert gc.isenabled()
    assert frozen(inner)


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with paused_gc():
            built = [[0]]
        assert not gc.isenabled()
        assert not frozen(built)
    finally:
        gc.enable()


LEFT_FOR_THE_EXIT = """
import atexit, gc, sys
from reconciler.gcpause import left_for_the_exit, the_process_ends_with_the_command

class Noisy:
    def __del__(self):
        print("freed", flush=True)

if sys.argv[1] == "ends":
    the_process_ends_with_the_command()
elif sys.argv[1] == "command line":
    from reconciler.cli.main import main
    sys.argv[1:] = ["version"]
    try:
        main()
    except SystemExit:
        pass
atexit.register(print, "atexit ran")
left_for_the_exit(Noisy())
gc.collect()
print("returned", end="")  # no newline, no flush: the exit must still write it
"""


def run_script(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LEFT_FOR_THE_EXIT, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    return done.stdout.splitlines()


def test_what_is_left_for_the_exit_is_never_freed_but_the_exit_runs_as_usual() -> None:
    assert run_script("ends") == ["returned" + "atexit ran"]


def test_the_command_line_says_its_process_ends_with_the_command() -> None:
    lines = run_script("command line")
    assert lines[0].startswith("reconciler ")  # the command's own output
    assert lines[-1] == "returned" + "atexit ran"
    assert "freed" not in lines


def test_a_process_that_goes_on_frees_what_it_was_handed() -> None:
    assert run_script("goes on") == ["freed", "returned" + "atexit ran"]
