from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt

from reconciler.plan.changes import MemberAdd, MemberRemove, ObjectMove, ProjectCreate
from reconciler.plan.model import AccessDelta, Plan, Sight, Violation
from reconciler.render.markdown import BUDGET, fenced, md, render_markdown

Golden = Callable[[str, str], None]
GITHUB_LIMIT = 65_536
EVIL = ["<img src=x onerror=alert(1)>", "a|b", "```x", "**bold** [link](http://e.x)", "</details>"]


def escape_html(text: str) -> str:
    """What markdown-it makes of ``text`` shown literally."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def to_html(markdown: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    return parser.render(markdown)


def _huge(projects: int, per_project: int) -> Plan:
    changes = [ProjectCreate(f"Project {p:05}") for p in range(projects)]
    changes += [
        MemberAdd(f"Project {p:05}", "user", f"user.{p:05}.{u:03}")
        for p in range(projects)
        for u in range(per_project)
    ]
    return Plan(tuple(sorted(changes)), "sha256:" + "0" * 64, "sha256:" + "1" * 64)


def test_realistic_plan_matches_golden(realistic_plan: Plan, golden: Golden) -> None:
    golden("realistic.md", render_markdown(realistic_plan))


def test_blocked_plan_matches_golden(blocked_plan: Plan, golden: Golden) -> None:
    golden("blocked.md", render_markdown(blocked_plan))


def test_full_rendering_has_one_details_per_project(realistic_plan: Plan) -> None:
    html = to_html(render_markdown(realistic_plan))
    assert re.findall(r"<summary>(.*?)</summary>", html) == [
        "Company-wide: 1 to create, 1 to add",
        "<b>Bank Collections</b>: 1 to create, 3 to add, 2 to move",
        "<b>Default</b>: 2 to remove",
        "<b>FitLife</b>: 1 to create, 2 to add, 1 to move",
        "<b>QuickDelivery</b>: 2 to remove, 1 to update, 1 to rename",
        "bank.anna: loses 3 objects in Default",
        "sv.bank: gains 1 object in Bank Collections; loses 4 objects in Default",
    ]
    assert '<code class="language-diff">' in html


def test_large_plan_is_summarised_under_githubs_limit() -> None:
    plan = _huge(3_000, 2)
    out = render_markdown(plan)
    assert len(out) <= BUDGET < GITHUB_LIMIT
    assert "too large for one comment" in out
    assert "**Plan: 9,000 changes in 3,000 projects: 3,000 to create, 6,000 to add.**" in out
    assert re.search(r"\.\.\. and [\d,]+ more sections\.", out)
    assert "<details>" not in out
    html = to_html(out)
    rows = re.findall(r"<tr>\n<td>Project \d{5}</td>\n<td[^>]*>1</td>\n<td[^>]*>2</td>", html)
    more = re.search(r"\.\.\. and ([\d,]+) more sections", out)
    assert more is not None
    shown = int(more.group(1).replace(",", ""))
    assert len(rows) + shown == 3_000
    assert len(rows) > 100


def test_plan_just_under_budget_is_rendered_in_full() -> None:
    plan = _huge(20, 5)
    assert "too large" not in render_markdown(plan)
    assert "too large" in render_markdown(plan, budget=500)
    assert len(render_markdown(plan, budget=2_000)) <= 2_000


@pytest.mark.parametrize("name", EVIL)
def test_user_names_cannot_inject_html_or_break_tables(name: str) -> None:
    plan = Plan(
        (
            ProjectCreate(name),
            MemberAdd(name, "user", name),
            ObjectMove("queues", name, "Default", name),
        ),
        "sha256:" + "0" * 64,
        "sha256:" + "1" * 64,
        violations=(Violation("isolate", f"user {name} is in two isolated projects"),),
        access_impact=(AccessDelta(name, gained=(Sight("queues", name, name),)),),
        unmanaged_projects=(name,),
        notes=(name,),
    )
    full, summary = render_markdown(plan), render_markdown(plan, budget=900)
    assert "too large" in summary
    for out in (full, summary):
        html = to_html(out)
        assert "<img" not in html
        assert "<a href" not in html and "<strong>bold" not in html
        assert html.count("<details>") == html.count("</details>")
    # the name survives as text
    assert escape_html(name) in to_html(full)


def test_summarised_table_rows_keep_their_columns() -> None:
    changes = [MemberAdd(f"a|b {i}", "user", "u") for i in range(50)]
    changes += [MemberRemove(f"a|b {i}", "user", "v") for i in range(50)]
    plan = Plan(tuple(sorted(changes)), "sha256:" + "0" * 64, "sha256:" + "1" * 64)
    html = to_html(render_markdown(plan, budget=3_000))
    table = html[html.index("Changes by project") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    assert len(rows) > 10
    assert {r.count("<t") for r in rows} == {3}
    assert "<td>a|b 0</td>" in html


def test_md_and_fence_helpers() -> None:
    assert md("a|b <c> *d*") == r"a\|b &lt;c&gt; \*d\*"
    block = fenced(["+ ```` x"])
    assert block.startswith("`````diff\n") and block.endswith("\n`````")
