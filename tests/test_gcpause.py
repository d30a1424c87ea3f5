"""``paused_gc``: no collection inside, and none of the put-off kind right after."""

from __future__ import annotations

import gc

from reconciler.gcpause import paused_gc


def test_the_block_pauses_the_collector_and_freezes_what_it_built() -> None:
    assert gc.isenabled()
    before = gc.get_freeze_count()
    with paused_gc():
        assert not gc.isenabled()
        built = [[i] for i in range(5_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(built)


def test_a_nested_block_leaves_the_outer_pause_alone() -> None:
    with paused_gc():
        frozen = gc.get_freeze_count()
        with paused_gc():
            pass
        assert not gc.isenabled()
        assert gc.get_freeze_count() == frozen
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            pass
        assert not gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.enable()
