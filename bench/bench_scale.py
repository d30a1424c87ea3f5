"""The whole CLI at 1,000, 3,000 and 10,000 projects: time, memory, requests, growth.

    python bench/bench_scale.py [--projects 1000 3000 10000] [--repeat 3] [--keep DIR]
                                [--apply-repeat 1] [--no-apply]

For each size it seeds a sandbox company the way ``bench_plan_cli.py`` does (20 users,
2 groups and 20 objects per project: 42 list entries each, 420,000 at 10,000 projects,
with 200,000 users), writes its files with ``reconciler import`` (``insync.d``, equal to
live), and two edited copies: ``plan.d`` with 1% of the list entries changed (users moved
between projects, schedules added and removed) and ``apply10.d`` with 10%. Then it runs
the real CLI as a user does, from the work directory (so the parse cache is used), and
prints medians of ``--repeat`` runs:

  floor        a bare C-parse (libyaml) of the same files, in this process (best run);
  validate     ``validate --no-cache`` on ``plan.d``;
  plan         ``plan`` on ``plan.d``, its caches cold (deleted), after one file was
               edited (the parse cache holds the others, the state cache misses) and warm
               (the state cache holds the files), against the in-process sandbox
               (``sandbox:DB``) and the sandbox served on a loopback port
               (``http://127.0.0.1:PORT/api/v1``, no rate limit);
  drift        ``drift`` on ``insync.d`` (in sync: exit 0), warm cache, both targets;
  apply 1%/10% ``apply --auto-approve`` of ``plan.d`` / ``apply10.d`` against a fresh copy
               of the company served on a loopback port, no rate limit; and, at the
               smallest size, the 1% apply at the client's default rate (as a user runs it:
               its client CPU against its wall, measured).

Each row: median wall, the best wall of the runs (this machine's speed varies by a third
from one minute to the next; the best is what it does when quiet), median CPU of the
command (user + system), peak RSS of the command
(``ru_maxrss``; each command is forked from a small helper, ``spawner.py``, so that it is
its own), and requests (served: counted by the server; in-process: what ``-v`` reports).
For the applies also the write requests against the projects the plan changes
per phase, the server's CPU, and what the same requests take at the default rate of 20
per second, with the client's CPU as a share of that. Then: bytes of peak RSS per list
entry (the slope between the smallest and the largest size, and the total at the
largest), and per step of ``plan`` and ``apply`` (``scale_phases.py``) its growth
exponent ``log(t_large / t_small) / log(n_large / n_small)``: 1 is linear.

Before and after each size: how long a fixed loop of this process takes
(``calibration``), so that a slow hour shows in the figures as such.

Targets (issue: a 10,000-project company): plan under 3 s and 250 MB, in-process and
served alike; 1,000 projects under 1 s; drift no slower than plan; validate within 1.3x
of the floor; apply writes no more than the changed projects per phase, client CPU under
a third of its wall; no step grows faster than linearly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from bench_plan_cli import choose_edits, cli, edit_files, seed
from bench_validate import compose_files
from spawner import Spawner

from reconciler.engine.targets import sandbox_token_path

HERE = Path(__file__).resolve().parent
DEFAULT_RATE = 20.0
PHASE_OF = {"member_add": 3, "object_add": 3, "object_move": 3}
PHASE_OF |= {"member_remove": 4, "object_remove": 4}


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    requests: int | None
    stdout: str


#: Every command is forked from this helper: its peak RSS is then its own (``spawner``).
SPAWN = Spawner()


def run(args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Run:
    """``args`` as a child process; its wall, CPU and peak RSS (from ``wait4``)."""
    done = SPAWN.run(args, cwd, env)
    if done.returncode not in ok:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}")
    found = re.search(r"read the company in (\d+) requests", done.stderr)
    requests = int(found.group(1)) if found else None
    return Run(done.wall, done.cpu, done.rss_mb, requests, done.stdout)


class Served:
    """``served.py`` on a free loopback port: the sandbox, counting its requests."""

    def __init__(self, db: Path, env: dict[str, str]) -> None:
        import socket  # noqa: PLC0415

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        args = [sys.executable, str(HERE / "served.py"), "--db", str(db), "--port", str(self.port)]
        self.proc = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.counts(reset=True)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.proc.kill()
        raise SystemExit("the served sandbox did not start")

    @property
    def target(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def counts(self, reset: bool = False) -> dict[str, int]:
        url = f"http://127.0.0.1:{self.port}/_bench/counts" + ("?reset=1" if reset else "")
        return dict(httpx.get(url, timeout=5).json())

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@dataclass
class Company:
    work: Path
    projects: int
    entries: int
    token: str

    @property
    def db(self) -> Path:
        return self.work / "sandbox.db"


def list_entries(config: Path) -> int:
    return sum(1 for f in config.rglob("*.yaml") for line in f.open() if line.startswith("    - "))


def setup(work: Path, projects: int, env: dict[str, str]) -> Company:
    """The seeded company and its three config directories (reused when ``work`` has them)."""
    marker = work / "ready.json"
    if marker.exists():
        data = json.loads(marker.read_text())
        return Company(work, projects, data["entries"], data["token"])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rnd = random.Random(7)
    token, company = seed(work / "sandbox.db", projects, rnd)
    token_path = sandbox_token_path(work / "sandbox.db")
    token_path.write_text(token + "\n")
    token_path.chmod(0o600)
    insync = work / "insync.d"
    run([*cli(), "import", "--out", "insync.d", "--target", "sandbox:sandbox.db"], work, env)
    entries = list_entries(insync)
    for name, share in (("plan.d", 0.01), ("apply10.d", 0.10)):
        shutil.copytree(insync, work / name)
        per_kind = round(entries * share / 3)
        users, schedules, _ = choose_edits(company, random.Random(share), per_kind, per_kind)
        edit_files(work / name, users, schedules)
    marker.write_text(json.dumps({"entries": entries, "token": token}))
    return Company(work, projects, entries, token)


def fresh_copy(source: Path, target: Path) -> None:
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


Row = dict[str, Any]


def rows_of(label: str, runs: list[Run], **extra: Any) -> Row:
    requests = [r.requests for r in runs if r.requests is not None]
    return {
        "step": label,
        "wall": statistics.median(r.wall for r in runs),
        "best": min(r.wall for r in runs),
        "cpu": statistics.median(r.cpu for r in runs),
        "rss": max(r.rss_mb for r in runs),
        "requests": requests[-1] if requests else None,
        **extra,
    }


def repeated(
    repeat: int, args: list[str], co: Company, env: dict[str, str], **kw: Any
) -> list[Run]:
    cache = co.work / ".reconciler" / "cache"
    touch: Path | None = kw.get("touch")
    kept = touch.read_bytes() if touch is not None else b""
    out = []
    try:
        for i in range(repeat):
            if kw.get("cold"):
                shutil.rmtree(cache, ignore_errors=True)
            if touch is not None:  # new bytes: the state cache misses, the parse cache not
                touch.write_bytes(kept + f"# edited {time.time_ns()} {i}\n".encode())
            counter: Served | None = kw.get("served")
            if counter is not None:
                counter.counts(reset=True)
            result = run(args, co.work, env, kw.get("ok", (0,)))
            if counter is not None:
                result.requests = sum(counter.counts().values())
            out.append(result)
    finally:
        if touch is not None:
            touch.write_bytes(kept)
    return out


def bench_reads(co: Company, repeat: int, env: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    files = sorted((co.work / "plan.d").rglob("*.yaml"))
    floor = min(_timed(lambda: compose_files(files)) for _ in range(repeat))
    rows.append({"step": "floor: C-parse", "wall": floor, "cpu": floor, "rss": 0, "requests": 0})
    validate = [*cli(), "validate", "plan.d", "--no-cache"]
    rows.append(rows_of("validate --no-cache", repeated(repeat, validate, co, env)))
    served = Served(co.db, env)
    try:
        http_env = {**env, "RECONCILER_TOKEN": co.token, "RECONCILER_RATE_LIMIT": "0"}
        for where, target, e, counter in (
            ("in-process", "sandbox:sandbox.db", env, None),
            ("served", served.target, http_env, served),
        ):
            plan = [*cli(), "-v", "plan", "--config-dir", "plan.d", "--target", target]
            for state in ("cold", "one file edited", "warm"):
                if state == "warm":
                    repeated(1, plan, co, e)  # the state cache of the files as they are
                touch = next(iter(sorted((co.work / "plan.d").rglob("*.yaml"))))
                runs = repeated(
                    repeat,
                    plan,
                    co,
                    e,
                    cold=state == "cold",
                    touch=touch if state == "one file edited" else None,
                    served=counter,
                )
                rows.append(rows_of(f"plan {where}, cache {state}", runs))
            drift = [*cli(), "-v", "drift", "--config-dir", "insync.d", "--target", target]
            repeated(1, drift, co, e)  # the cache of insync.d
            rows.append(rows_of(f"drift {where}", repeated(repeat, drift, co, e, served=counter)))
    finally:
        served.stop()
    return rows


def _timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def changed_per_phase(plan_json: str) -> dict[int, int]:
    changes = json.loads(plan_json)["changes"]
    projects: dict[int, set[str]] = {}
    for change in changes:
        scopes = {change.get("project"), change.get("source"), change.get("target")} - {None}
        projects.setdefault(PHASE_OF[change["type"]], set()).update(scopes)
    return {phase: len(names) for phase, names in sorted(projects.items())}


def bench_apply(
    co: Company, config: str, label: str, repeat: int, env: dict[str, str], rated: bool = False
) -> Row:
    """``apply`` against a fresh served copy: with no rate limit, or (``rated``) at the
    client's default rate, as a user runs it."""
    db = co.work / "apply.db"
    http_env = {**env, "RECONCILER_TOKEN": co.token, "RECONCILER_RATE_LIMIT": "0"}
    if rated:
        del http_env["RECONCILER_RATE_LIMIT"]
    runs, server_cpu, writes, per_phase = [], [], 0, {}
    for index in range(repeat):
        fresh_copy(co.db, db)
        shutil.rmtree(co.work / ".reconciler" / "locks", ignore_errors=True)
        (co.work / ".reconciler" / "audit.jsonl").unlink(missing_ok=True)
        served = Served(db, env)
        try:
            plan = [*cli(), "plan", "--format", "json", "--config-dir", config]
            if index == 0:
                planned = run([*plan, "--target", served.target], co.work, http_env)
                per_phase = changed_per_phase(planned.stdout)
            apply = [*cli(), "apply", "--auto-approve", "--config-dir", config]
            served.counts(reset=True)
            before = served.cpu()
            result = run([*apply, "--target", served.target], co.work, http_env)
            server_cpu.append(served.cpu() - before)
            counts = served.counts()
            result.requests = sum(counts.values())
            writes = result.requests - counts.get("GET", 0)
            runs.append(result)
            if index == 0:
                check = [*plan, "--detailed-exitcode", "--target", served.target]
                run(check, co.work, http_env, ok=(0,))
        finally:
            served.stop()
    row = rows_of(label, runs)
    at_rate = max(row["wall"], (row["requests"] or 0) / DEFAULT_RATE)
    row["extra"] = (
        f"writes {writes} <= changed projects per phase {per_phase} "
        f"(sum {sum(per_phase.values())}): {'yes' if writes <= sum(per_phase.values()) else 'NO'}; "
        f"server cpu {statistics.median(server_cpu):.1f} s, client cpu / wall "
        f"{row['cpu'] / row['wall']:.2f}"
        + (
            " (measured at the default rate)"
            if rated
            else f"; at the default {DEFAULT_RATE:g} requests/s: {at_rate:.0f} s, "
            f"client cpu / wall {row['cpu'] / at_rate:.2f}"
        )
    )
    return row


def phases(co: Company, env: dict[str, str], apply: bool) -> dict[str, dict[str, float]]:
    """Per-step seconds of a warm in-process plan and of a served 10% apply."""
    script = str(HERE / "scale_phases.py")
    out: dict[str, dict[str, float]] = {}
    args = [sys.executable, script, "plan", "--config", "plan.d", "--target", "sandbox:sandbox.db"]
    out["plan"] = json.loads(run(args, co.work, env).stdout)["steps"]
    if apply:
        db = co.work / "apply.db"
        fresh_copy(co.db, db)
        served = Served(db, env)
        try:
            http_env = {**env, "RECONCILER_TOKEN": co.token, "RECONCILER_RATE_LIMIT": "0"}
            args = [sys.executable, script, "apply", "--config", "apply10.d"]
            result = run([*args, "--target", served.target], co.work, http_env)
            out["apply 10%"] = json.loads(result.stdout)["steps"]
        finally:
            served.stop()
    return out


def show(projects: int, entries: int, rows: list[Row]) -> None:
    print(f"\n== {projects:,} projects, {entries:,} list entries")
    print(f"{'step':<40} {'wall s':>8} {'best s':>8} {'cpu s':>8} {'peak MB':>8} {'requests':>9}")
    for r in rows:
        requests = "" if r["requests"] is None else str(r["requests"])
        best = f"{r.get('best', r['wall']):8.2f}"
        print(
            f"{r['step']:<40} {r['wall']:8.2f} {best} {r['cpu']:8.2f} {r['rss']:8.0f} {requests:>9}"
        )
        if r.get("extra"):
            print(f"{'':<4}{r['extra']}")
    floor = rows[0]["wall"]
    print(f"validate --no-cache / floor: {rows[1]['wall'] / floor:.2f}x (target <= 1.3x)")


def growth(sizes: list[int], found: dict[int, dict[str, dict[str, float]]]) -> None:
    small, large = sizes[0], sizes[-1]
    if small == large:
        return  # one size: no growth to measure
    print(f"\n== growth exponent per step, {small:,} -> {large:,} projects (1 = linear)")
    for what in found[large]:
        for step, t_large in found[large][what].items():
            t_small = found[small].get(what, {}).get(step)
            if not t_small or t_small <= 0 or t_large <= 0:
                continue
            exponent = math.log(t_large / t_small) / math.log(large / small)
            print(f"{what + ': ' + step:<32} {t_small:8.3f} s -> {t_large:8.3f} s  {exponent:5.2f}")


def memory(sizes: list[int], companies: dict[int, Company], rows: dict[int, list[Row]]) -> None:
    print("\n== memory per list entry (peak RSS of `plan`, in-process, warm)")
    label = "plan in-process, cache warm"
    peak = {n: next(r["rss"] for r in rows[n] if r["step"] == label) for n in sizes}
    small, large = sizes[0], sizes[-1]
    for n in sizes:
        per = peak[n] * 2**20 / companies[n].entries
        print(f"{n:>6,} projects: {peak[n]:6.0f} MB peak, {per:6.0f} bytes per entry (all of it)")
    if large != small:
        slope = (peak[large] - peak[small]) * 2**20
        slope /= companies[large].entries - companies[small].entries
        print(f"slope {small:,} -> {large:,}: {slope:.0f} bytes per additional entry")


def calibration() -> float:
    """Seconds of a fixed loop of this process (3,000,000 dict inserts of new strings and a
    sort of them): how fast the machine is right now. Printed before and after each size,
    so that runs at different hours can be told apart by it and not by the code."""
    start = time.perf_counter()
    table = {str(i): i for i in range(3_000_000)}
    sorted(table)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--apply-repeat", type=int, default=1)
    parser.add_argument("--no-apply", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in DIR (kept, reused) instead of a temp")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="reconciler-bench-scale-"))
    # as a user runs it: Python keeps the bytecode it compiles (a machine that sets
    # PYTHONDONTWRITEBYTECODE would compile every edited module again on every run)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RECONCILER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    sizes = sorted(args.projects)
    companies, rows, found = {}, {}, {}
    try:
        for n in sizes:
            co = companies[n] = setup(root / str(n), n, env)
            before = calibration()
            rows[n] = bench_reads(co, args.repeat, env)
            if not args.no_apply:
                rows[n].append(bench_apply(co, "plan.d", "apply 1%", args.apply_repeat, env))
                rows[n].append(bench_apply(co, "apply10.d", "apply 10%", args.apply_repeat, env))
                if n == sizes[0]:  # measured, as a user runs it: ~20 s at 1,000 projects
                    rated = bench_apply(co, "plan.d", "apply 1%, default rate", 1, env, rated=True)
                    rows[n].append(rated)
            found[n] = phases(co, env, not args.no_apply)
            show(n, co.entries, rows[n])
            print(
                f"machine: the calibration loop took {before:.2f} s before, "
                f"{calibration():.2f} s after"
            )
        growth(sizes, found)
        memory(sizes, companies, rows)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
