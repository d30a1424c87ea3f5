"""Plan and apply through the platform's web app routes, against the sandbox's web app
face served on a loopback port: requests and wall time, and how requests grow.

    python bench/bench_webapp.py [--projects 1000] [--rate 10] [--share 0.1]

The company has PROJECTS projects (and 20 users each); the plan gives SHARE of them 10
users more. Smaller companies (a tenth and a third of the size) are read with no rate
limit to show how the request count grows; the full size is planned and applied at the
web app's default polite rate (RATE requests per second, 2 at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench_apply import CountingTransport, free_port, seed, serve

from reconciler.apply.executor import execute
from reconciler.live.okitoki import WebAppClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.live.tuning import POLITE
from reconciler.plan.planner import plan
from reconciler.plan.settings import PlanSettings
from reconciler.sandbox.demo import init_company
from reconciler.state.snapshot import Snapshot

PER_PROJECT = 10


def desired_from(live: Snapshot, share: float) -> Snapshot:
    users = sorted(live.users)
    names = sorted(n for n in live.projects if n.startswith("Client"))
    projects = dict(live.projects)
    for index, name in enumerate(names[: max(1, int(len(names) * share))]):
        start = (index * PER_PROJECT) % (len(users) - PER_PROJECT)
        extra = frozenset(users[start : start + PER_PROJECT])
        projects[name] = replace(projects[name], users=projects[name].users | extra)
    return replace(live, projects=projects)


def company(tmp: Path, projects: int) -> tuple[Path, str]:
    db = tmp / f"web-{projects}.db"
    token = init_company(db, demo=True)
    seed(db, projects, projects * 20)
    return db, token


async def read_once(root: str, token: str, settings: ClientSettings) -> tuple[int, float]:
    transport = CountingTransport()
    async with WebAppClient(
        root, token=Token(f"laravel_session={token}"), settings=settings, transport=transport
    ) as live:
        started = time.perf_counter()
        await live.whoami()
        await live.fetch_snapshot()
        return sum(transport.counts.values()), time.perf_counter() - started


async def plan_and_apply(root: str, token: str, settings: ClientSettings, share: float) -> None:
    transport = CountingTransport()
    async with WebAppClient(
        root, token=Token(f"laravel_session={token}"), settings=settings, transport=transport
    ) as live:
        t0 = time.perf_counter()
        identity = await live.whoami()
        snapshot = await live.fetch_snapshot()
        rules = PlanSettings(capabilities=live.capabilities, token_user=identity.login)
        made = plan(desired_from(snapshot, share), snapshot, rules)
        t1 = time.perf_counter()
        reads = sum(transport.counts.values())
        result = await execute(made.changes, live, WriteMeta(), concurrency=settings.concurrency)
        t2 = time.perf_counter()
    total = sum(transport.counts.values())
    changed = len({c.scope for c in made.changes})
    print(f"plan   {reads:6d} requests  {t1 - t0:7.1f} s  ({len(snapshot.projects)} projects)")
    print(
        f"apply  {total - reads:6d} requests  {t2 - t1:7.1f} s  ({len(made.changes)} changes "
        f"in {changed} projects, outcome {result.outcome}; POSTs {transport.counts['POST']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=POLITE.rate_limit)
    parser.add_argument("--share", type=float, default=0.1)
    args = parser.parse_args()
    sizes = sorted({max(10, args.projects // 10), max(10, args.projects // 3), args.projects})
    unlimited = replace(POLITE, rate_limit=None)
    polite = replace(POLITE, rate_limit=args.rate or None)
    with tempfile.TemporaryDirectory() as tmp:
        counts: dict[int, int] = {}
        for size in sizes:
            db, token = company(Path(tmp), size)
            port = free_port()
            proc = serve(db, port)
            root = f"http://127.0.0.1:{port}"
            try:
                requests, wall = asyncio.run(read_once(root, token, unlimited))
                counts[size] = requests
                print(f"read {size:5d} projects: {requests:5d} requests, {wall:5.1f} s (no limit)")
                if size == args.projects:
                    print(f"at the default rate ({args.rate:g}/s, {polite.concurrency} at a time):")
                    asyncio.run(plan_and_apply(root, token, polite, args.share))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    low, high = sizes[0], sizes[-1]
    slope = math.log(counts[high] / counts[low]) / math.log(high / low)
    print(f"requests grow with projects as n^{slope:.2f} ({low} -> {high} projects)")


if __name__ == "__main__":
    main()
