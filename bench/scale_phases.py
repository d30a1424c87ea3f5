"""Where one ``plan`` or ``apply`` spends its time, step by step, in one process.

    python bench/scale_phases.py plan  --config DIR --target TARGET
    python bench/scale_phases.py apply --config DIR --target http://127.0.0.1:PORT/api/v1

Run from the benchmark's work directory (the token comes from ``RECONCILER_TOKEN`` or the
sandbox's token file). Prints one JSON object: seconds per step (``imports``, ``load``,
``whoami``, ``fetch``, ``shared``, ``plan``, ``render``; for ``apply`` also ``apply phase
N`` for each phase the executor ran, until its last batch of that phase finished) and
``peak_rss_mb``. Used by ``bench_scale.py`` for the growth exponents; the steps call the
same functions as the CLI, in its order (what live and the files agree on is shared
before planning, as ``open_session`` does).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from reconciler.apply.executor import ChangeOutcome, execute  # noqa: E402
from reconciler.engine.declared import load_declared  # noqa: E402
from reconciler.engine.session import (  # noqa: E402
    PlanOptions,
    open_client,
    plan_settings,
    run_async,
)
from reconciler.gcpause import paused_gc  # noqa: E402
from reconciler.live.protocol import WriteMeta  # noqa: E402
from reconciler.plan.planner import plan as make_plan  # noqa: E402
from reconciler.render import render  # noqa: E402
from reconciler.state.snapshot import shared  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.last = START
        self.steps: dict[str, float] = {}

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self.last, 4)
        self.last = now


async def measure(config: Path, target: str, do_apply: bool, clock: Clock) -> None:
    with paused_gc():
        desired = load_declared(config).desired  # as the CLI: the state cache, if it holds
        clock.step("load")
        async with open_client(target, None) as (client, identity):
            clock.step("whoami")
            live = await client.fetch_snapshot(like=desired.snapshot)
            clock.step("fetch")
            desired = replace(desired, snapshot=shared(desired.snapshot, live))  # as the CLI
            clock.step("shared")
            options = PlanOptions(config_dir=config, target=target)
            settings = plan_settings(desired, options, identity, client.capabilities)
            the_plan = make_plan(desired.snapshot, live, settings)
            clock.step("plan")
            render(the_plan, "text", color=False)
            clock.step("render")
            if do_apply:
                await apply_phases(the_plan.changes, client, the_plan.checksum(), clock)


async def apply_phases(changes: Sequence[Any], client: Any, checksum: str, clock: Clock) -> None:
    finished: dict[int, float] = {}

    def progress(outcomes: Sequence[ChangeOutcome]) -> None:
        for outcome in outcomes:
            finished[int(outcome.change.phase)] = time.perf_counter()

    meta = WriteMeta(commit="bench", plan=checksum, actor="bench")
    result = await execute(changes, client, meta, concurrency=8, progress=progress)
    if not result.ok:
        raise SystemExit(f"apply ended {result.outcome}")
    for phase in sorted(finished):
        clock.steps[f"apply phase {phase}"] = round(finished[phase] - clock.last, 4)
        clock.last = finished[phase]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["plan", "apply"])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    clock = Clock()
    clock.step("imports")
    run_async(measure(args.config, args.target, args.mode == "apply", clock))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"steps": clock.steps, "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
