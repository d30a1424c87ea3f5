"""Pictures: ``report access --format mermaid|dot`` and the moves diagram of the markdown
plan. Names are labels only, whatever they hold; the real tools read the output when
they are installed: Graphviz ``dot`` (Debian's ``graphviz``), and mermaid itself in
headless Chromium (``npm install --prefix build/mermaid mermaid@11``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cdp import Browser, chromium
from hypothesis import given
from hypothesis import strategies as st
from usercli import REPO_ROOT, UserShell

from reconciler.plan.changes import MemberAdd, MemberRemove, ObjectMove
from reconciler.plan.settings import PolicySpec
from reconciler.render.diagram import MAX_MOVE_EDGES, dot_label, flows, mermaid_label, moves_mermaid
from reconciler.report.company_graph import company_graph, to_dot, to_mermaid
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

MERMAID_JS = (
    REPO_ROOT / "build" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
)
HOSTILE = '<b>"x"</b> ] ) end; #1 @team `x` %% \n -->|a| x--x'


@given(st.text())
def test_a_mermaid_label_is_one_quoted_string_of_safe_characters(name: str) -> None:
    assert re.fullmatch(r'"[A-Za-z0-9 .,_()/+:#;-]*"', mermaid_label(name))


@given(st.text())
def test_a_dot_label_is_one_quoted_string(name: str) -> None:
    label = dot_label(name)
    assert label.startswith('"') and label.endswith('"')
    assert re.fullmatch(r'"(?:[^"\\\n]|\\.)*"', label)


def _hostile_company() -> Snapshot:
    project = ProjectState(
        HOSTILE, users=frozenset({HOSTILE}), groups=frozenset({HOSTILE}),
        objects=frozenset({("queues", HOSTILE)}),
    )  # fmt: skip
    return Snapshot(
        projects={HOSTILE: project, "end": ProjectState("end", users=frozenset({"ann"}))},
        groups={HOSTILE: frozenset({HOSTILE})},
        roles={"Admin": RoleState("Admin", users=frozenset({"root"}), builtin=True)},
    )


def test_moves_are_drawn_between_projects_and_only_when_few() -> None:
    changes = [
        ObjectMove("queues", "q1", "Default", "Bank"),
        ObjectMove("queues", "q2", "Default", "Bank"),
        MemberRemove("Default", "user", "ann"),
        MemberAdd("Bank", "user", "ann"),
        MemberRemove("Default", "group", "team"),
        MemberAdd("Bank", "group", "team"),
    ]
    assert moves_mermaid(flows(changes)) == (
        'flowchart LR\n  p0["Default"]\n  p1["Bank"]\n  p0 -->|"2 objects, 1 user, 1 group"| p1'
    )
    many = [ObjectMove("queues", f"q{i}", f"A{i}", f"B{i}") for i in range(MAX_MOVE_EDGES + 1)]
    assert moves_mermaid(flows(many)) == ""


def test_report_access_draws_the_company(user_repo: UserShell) -> None:
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    done = user_repo.run("report", "access", "--format", "mermaid")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("flowchart LR\n")
    assert re.findall(r'subgraph p\d\["project (.+?)"\]', out) == [
        "Bank Collections", "Default", "FitLife Clubs", "QuickDelivery"
    ]  # fmt: skip
    assert len(re.findall(r' x-\. "isolated: client-isolation" \.-x ', out)) == 3
    assert '(["bank.anna"])' in out and '(["group bank-collectors (6 users)"])' in out
    assert "see everything (Admin, view_all): olga.admin, qa.lead, reconciler" in out
    dot = user_repo.run("report", "access", "--format", "dot", "--project", "Bank*").stdout
    assert dot.startswith("digraph company {") and "cluster_p0" in dot
    assert "FitLife" not in dot and "bank.anna" in dot
    refused = user_repo.run("report", "access", "--format", "dot", "--user", "bank.anna")
    assert refused.returncode == 2 and "draw the company" in refused.stderr


def test_users_become_counts_when_many() -> None:
    users = frozenset(f"agent{i:03}" for i in range(100))
    snapshot = Snapshot(projects={"P": ProjectState("P", users=users)})
    out = to_mermaid(company_graph(snapshot, []))
    assert '(["100 users directly"])' in out and "agent001" not in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
def test_graphviz_reads_the_dot_output(tmp_path: Path) -> None:
    source = to_dot(company_graph(_hostile_company(), [PolicySpec("p", (HOSTILE, "end"))]))
    done = subprocess.run(
        ["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in done.stdout  # the name, as text


@pytest.mark.skipif(
    chromium() is None or not MERMAID_JS.is_file(),
    reason="needs chromium and mermaid (npm install --prefix build/mermaid mermaid@11)",
)
def test_mermaid_draws_both_diagrams(tmp_path: Path) -> None:
    company = to_mermaid(company_graph(_hostile_company(), [PolicySpec("p", (HOSTILE, "end"))]))
    moves = moves_mermaid(flows([ObjectMove("queues", "q", "Default", HOSTILE)]))
    page = tmp_path / "m.html"
    page.write_text(f'<html><body><script src="{MERMAID_JS.as_uri()}"></script></body></html>')
    browser = Browser.start(tmp_path / "profile")
    try:
        browser.open(page.as_uri())
        browser.poll("typeof mermaid", "object")
        browser.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
        for index, text in enumerate((company, moves)):
            browser.evaluate(
                f"window.drawn = null; mermaid.render('d{index}', {json.dumps(text)}).then("
                "r => window.drawn = r.svg.includes('<svg') ? 'svg' : r.svg, e => window.drawn = "
                "String(e))"
            )
            browser.poll("window.drawn !== null", True)
            assert browser.evaluate("window.drawn") == "svg"
        assert browser.errors() == []
    finally:
        browser.close()
