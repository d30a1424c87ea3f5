"""Pausing CPython's cyclic garbage collector around bulk work, and not freeing a
command's data one object at a time when the process is about to end."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the previous state after it.

    Parsing, fetching and planning build large, long-lived structures and make almost no
    reference cycles, so the collector's full passes, which walk every tracked object
    again each time, were pure overhead: about a quarter of the CPU time of
    ``reconciler plan`` on a 1,000-project company (bench/bench_plan_cli.py).

    When the block re-enables the collector, what is alive then is frozen first
    (``gc.freeze``): else the first allocation after it starts the full pass the pause
    put off, over everything the block built (0.3 s of a 10,000-project plan). Frozen
    objects are still freed when their last reference goes; only a reference cycle
    among them is never collected, and the blocks make almost none.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


#: Whether the process ends when the command returns (set by the command line's ``main``).
_ENDS_WITH_THE_COMMAND = False


def the_process_ends_with_the_command() -> None:
    """Said by ``reconciler.cli.main.main``, which runs one command and exits."""
    global _ENDS_WITH_THE_COMMAND  # noqa: PLW0603 -- one flag for the whole process
    _ENDS_WITH_THE_COMMAND = True


def left_for_the_exit(*objects: object) -> None:
    """``objects`` are not freed one by one when the command returns: the system takes
    the process's memory back whole when it exits.

    Freeing what a 10,000-project plan built, one object at a time as the command's
    frames unwind, takes 0.07 s of ``reconciler plan``. Here ``objects`` are held by a
    reference cycle that is frozen (``gc.freeze``): nothing refers to it from outside,
    and the collector never looks at frozen objects, at exit neither. Exit still runs as
    usual (``atexit``, the flush of the streams): only data must be handed here, nothing
    whose finalizer matters (files, connections: those are closed by then).

    Does nothing unless the process ends with the command (``main`` said so): a process
    that runs commands one after another (a test's ``CliRunner``) frees them as ever.
    """
    if not _ENDS_WITH_THE_COMMAND:
        return
    holder: list[object] = [*objects]
    holder.append(holder)
    gc.freeze()
