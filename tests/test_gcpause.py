"""``paused_gc``: no collection inside, and none of the put-off kind right after.

Whether an object is frozen is read from the object itself: ``gc.get_objects()`` lists
the collector's three generations and not the permanent one that ``gc.freeze`` moves
objects to. The process-wide ``gc.get_freeze_count()`` is no witness: it falls whenever
any frozen object is freed, by this test or by another thread of the process.
"""

from __future__ import annotations

import gc

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
