"""Apply 10,000 membership changes spread over 1,000 projects against the served sandbox.

The sandbox runs as its own process (``reconciler sandbox serve``) on a loopback port;
this process fetches the live company, plans with the real planner (each project gains
10 users), and applies with the real executor and client, counting requests.

    python bench/bench_apply.py [--projects 1000] [--per-project 10] [--concurrency 8]

Target: under 15 s wall, with no more write requests than changed projects.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import httpx

from reconciler.apply.executor import execute
from reconciler.live.client import ApiClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.plan.planner import plan
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.store import Store
from reconciler.state.snapshot import Snapshot


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[request.method] += 1
        return await super().handle_async_request(request)


def seed(db: Path, projects: int, users: int) -> None:
    store = Store(db)
    try:
        with store.write() as conn:
            conn.executemany(
                "INSERT INTO users (login, name) VALUES (?, ?)",
                [(f"agent{i:05d}", f"Agent {i}") for i in range(users)],
            )
            conn.executemany(
                "INSERT INTO projects (name, description, version) VALUES (?, '', 1)",
                [(f"Client {i:04d}",) for i in range(projects)],
            )
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--db", str(db)]
    proc = subprocess.Popen([*args, "--port", str(port)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/company", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sandbox did not start")


def desired_from(live: Snapshot, per_project: int) -> Snapshot:
    users = sorted(live.users)
    projects = dict(live.projects)
    for index, name in enumerate(sorted(n for n in projects if n.startswith("Client"))):
        start = (index * per_project) % (len(users) - per_project)
        extra = frozenset(users[start : start + per_project])
        projects[name] = replace(projects[name], users=projects[name].users | extra)
    return replace(live, projects=projects, versions={})


async def run(url: str, token: str, per_project: int, concurrency: int) -> None:
    transport = CountingTransport()
    settings = ClientSettings(rate_limit=None)
    async with ApiClient(url, token=Token(token), settings=settings, transport=transport) as live:
        t0 = time.perf_counter()
        snapshot = await live.fetch_snapshot()
        t1 = time.perf_counter()
        the_plan = plan(desired_from(snapshot, per_project), snapshot)
        t2 = time.perf_counter()
        reads = sum(transport.counts.values())
        gets_before = transport.counts["GET"]
        meta = WriteMeta(commit="bench", plan=the_plan.checksum(), actor="bench")
        result = await execute(the_plan.changes, live, meta, concurrency=concurrency)
        t3 = time.perf_counter()
    apply_reads = transport.counts["GET"] - gets_before
    writes = sum(transport.counts.values()) - reads - apply_reads
    changed = len({c.scope for c in the_plan.changes})
    print(f"changes planned        {len(the_plan.changes):>8}  (outcome: {result.outcome})")
    print(f"projects changed       {changed:>8}")
    print(f"fetch snapshot         {t1 - t0:8.2f} s  ({reads} requests)")
    print(f"plan                   {t2 - t1:8.2f} s")
    print(
        f"apply                  {t3 - t2:8.2f} s  ({writes} write requests, {apply_reads} "
        "reads: the change-log mark and any checks)"
    )
    print(f"total wall             {t3 - t0:8.2f} s  (target < 15 s, writes <= {changed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--per-project", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        token = init_company(db, demo=True)
        seed(db, args.projects, args.users)
        port = free_port()
        proc = serve(db, port)
        try:
            url = f"http://127.0.0.1:{port}/api/v1"
            asyncio.run(run(url, token, args.per_project, args.concurrency))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
