"""How long each rendering of a plan takes, and how large it is, at 1,000 and 10,000
projects (10,000 and 100,000 changes). Prints figures; not a test.

The plans are ``tests/render/big_plan.py``'s (the same the golden files hold at 1,000
projects), made by the real planner; each format is rendered ``--repeat`` times and
the best time kept (the garbage collector paused, as ``reconciler plan`` does). The
plan's checksum (``Plan.checksum``, in the text and markdown footers and the JSON) is
timed apart: it is the planner's model, not the rendering. Also the isolation report
(text, markdown, JSON, HTML) and the company picture (mermaid, dot) of the plan's
live company.

    python bench/bench_render.py [--projects 1000 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "render"))

from big_plan import big_plan, live_company  # type: ignore[import-not-found]

from reconciler.gcpause import paused_gc
from reconciler.plan.settings import PolicySpec
from reconciler.render.json import render_json
from reconciler.render.markdown import FULL_BUDGET, render_markdown
from reconciler.render.text import render_text
from reconciler.render.view import RenderContext
from reconciler.report.company_graph import company_graph, to_dot, to_mermaid
from reconciler.report.isolation import Stamp, isolation_report
from reconciler.report.isolation_html import render_html
from reconciler.report.isolation_render import RENDERERS


def best(func: Callable[[], str], repeat: int) -> tuple[float, str]:
    """The best of ``repeat`` runs, the garbage collector paused as ``reconciler plan``
    pauses it around rendering."""
    times, out = [], ""
    for _ in range(repeat):
        with paused_gc():
            start = time.perf_counter()
            out = func()
            times.append(time.perf_counter() - start)
    return min(times), out


def row(label: str, seconds: float, out: str) -> None:
    print(
        f"  {label:<28} {seconds:7.3f} s  {len(out.splitlines()):>9,} lines  "
        f"{len(out.encode()):>11,} bytes"
    )


def plans(projects: int, repeat: int) -> None:
    start = time.perf_counter()
    plan, groups = big_plan(projects)
    made = time.perf_counter() - start
    context = RenderContext(groups=groups)
    print(
        f"{projects:,} projects: {len(plan.changes):,} changes, {len(plan.access_impact):,} "
        f"users with changed access (planned in {made:.1f} s)"
    )
    formats: dict[str, Callable[[], str]] = {
        "text": lambda: render_text(plan, context=context),
        "markdown (PR comment)": lambda: render_markdown(plan, context=context),
        "markdown (--markdown-full)": lambda: render_markdown(
            plan, budget=FULL_BUDGET, context=context
        ),
        "json": lambda: render_json(plan),
    }
    for label, func in formats.items():
        row(label, *best(func, repeat))
    # on a fresh copy each time: a plan computes its checksum once and keeps it
    row("Plan.checksum(), once a plan", *best(lambda: replace(plan).checksum(), repeat))


def reports(projects: int, repeat: int) -> None:
    live = live_company(projects)
    stamp = Stamp("sandbox:bench.db", "live", live.fingerprint(), "2026-01-01T00:00:00Z")
    policies = [PolicySpec("isolation", ("Client 0000", "Client 0001", "Client 0002"))]
    report = isolation_report(live, policies, stamp)
    print(f"{projects:,} projects: the isolation report and the company picture")
    for name, renderer in RENDERERS.items():
        row(f"isolation {name}", *best(lambda r=renderer: r(report), repeat))  # type: ignore[misc]
    row("isolation html", *best(lambda: render_html(report), repeat))
    graph = company_graph(live, policies)
    row("access mermaid", *best(lambda: to_mermaid(graph), repeat))
    row("access dot", *best(lambda: to_dot(graph), repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for projects in args.projects:
        plans(projects, args.repeat)
        reports(projects, args.repeat)


if __name__ == "__main__":
    main()
