"""Hostile names through every rendering a person reads outside the terminal: the
markdown plan (the PR comment, full and summarised), the markdown drift report (the
drift issue) and the Slack payload (the drift webhook).

The markdown is parsed with markdown-it (CommonMark, GFM tables, raw HTML allowed as
GitHub allows it). A name must not add an HTML tag, a link or an autolink, must not
change a table's shape, and must leave no text that GitHub would turn into a mention,
an issue or commit link or a URL; the Slack text must hold no ``<``/``>`` (Slack's
mention and link syntax), only escaped ``&``, and read the name back.
"""

from __future__ import annotations

import hashlib
import html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_checks import LINKABLE, PARSER, shape

from reconciler.drift.notify import payload
from reconciler.drift.render import render_markdown as render_drift
from reconciler.drift.report import Attribution, DriftItem, DriftReport
from reconciler.plan.changes import MemberAdd, ObjectMove, ProjectCreate
from reconciler.plan.model import AccessDelta, Plan, Sight, Violation
from reconciler.render.describe import clean
from reconciler.render.json import render_json
from reconciler.render.markdown import ZERO_WIDTH, defuse, md
from reconciler.render.markdown import render_markdown as render_plan

BENIGN = "n"

HOSTILE = [
    "@x", "@org/team", "#1", "org/repo#12", "GH-7", "<!here>", "<!channel>", "<@U123>",
    "<#C1|general>", "&", "&amp;", "&#64;x", "&lt;b&gt;", "`", "```", "|", "\\|", "\n", "\r\n",
    "\x1b[2J", "\x00", "\u2028", "<img src=x onerror=alert(1)>", "</details>", "<summary>",
    "**b**", "_i_", "~~s~~", "[l](http://e.x)", "![i](x)", "<http://e.x>", "http://e.x",
    "www.e.x", "a@b.co", "deadbeef1", "c0ffee0123456789", ":x:", "$x$", "\\", "- ", "1. ",
    "# ", "> ", "<!-- c -->", "\u200b", "\t", ".www.e.x", "(www.e.x", "*gh-1",
]  # fmt: skip
names = (
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda s: s.strip() and s.strip() != "Default")
)


def _plan(name: str) -> Plan:
    return Plan(
        (
            ProjectCreate(name, name),
            MemberAdd(name, "user", name),
            ObjectMove("queues", name, "Default", name),
        ),
        "sha256:" + "0" * 64,
        "sha256:" + "1" * 64,
        violations=(Violation("isolate", f"user {name} is in two isolated projects"),),
        access_impact=(AccessDelta(name, gained=(Sight("queues", name, name),)),),
        unmanaged_projects=(name,),
        unmanaged_roles=(name,),
        notes=(f"note about {name}",),
    )


def _report(name: str) -> DriftReport:
    by_hand = Attribution(name, name, "member_add", 1)
    by_tool = Attribution(name, name, "project_update", 2, commit=name)
    return DriftReport(
        (
            DriftItem("member", name, f"user {name}", "member", "not a member",
                      MemberAdd(name, "user", name), by_hand),
            DriftItem("project", name, f"description {name}", name, name,
                      ProjectCreate(name), by_tool),
        ),
        unmanaged_projects=(name,),
        unmanaged_roles=(name,),
        hand_renames=((name, name),),
    )  # fmt: skip


def _assert_harmless(markdown: str, benign: str) -> None:
    tags, texts, tables = shape(markdown)
    benign_tags, _, benign_tables = shape(benign)
    assert tags == benign_tags, markdown
    assert [set(rows) for rows in tables] == [{rows[0]} for rows in benign_tables], markdown
    for text in texts:
        assert not LINKABLE.search(text), (text, markdown)


@settings(max_examples=150, deadline=None)
@given(names)
def test_a_name_cannot_inject_into_the_markdown_plan(name: str) -> None:
    full, benign = render_plan(_plan(name)), render_plan(_plan(BENIGN))
    _assert_harmless(full, benign)
    summary, benign_summary = (render_plan(p, budget=600) for p in (_plan(name), _plan(BENIGN)))
    assert "too large" in summary and "too large" in benign_summary
    _assert_harmless(summary, benign_summary)


@settings(max_examples=150, deadline=None)
@given(names)
def test_a_name_cannot_inject_into_the_drift_issue(name: str) -> None:
    out = render_drift(_report(name))
    _assert_harmless(out, render_drift(_report(BENIGN)))
    first_row = next(t for t in PARSER.parse(out) if t.type == "td_open")
    cells = PARSER.parse(out)
    cell = cells[cells.index(first_row) + 1]
    visible = "".join(t.content for t in cell.children or [] if t.type == "text")
    assert visible.replace(ZERO_WIDTH, "").strip() == clean(name).replace(ZERO_WIDTH, "").strip()


@settings(max_examples=150, deadline=None)
@given(names)
def test_a_name_cannot_mention_or_link_in_slack(name: str) -> None:
    message = payload(_report(name), source=name)
    assert message["mrkdwn"] is False
    text = message["text"]
    assert isinstance(text, str)
    assert "<" not in text and ">" not in text
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", text, flags=re.DOTALL), text
    assert not LINKABLE.search(text), text
    visible = html.unescape(text).replace(ZERO_WIDTH, "")
    cleaned = clean(name).replace(ZERO_WIDTH, "")
    lines = visible.splitlines()
    assert len(lines) == 1 + len(_report(name).items)  # no line forged by a name
    assert lines[1] == (
        f"• {cleaned}: user {cleaned}: live member, files not a member "
        f"(by hand: {cleaned} at {cleaned})"
    )


def test_the_escapes_read_as_documented() -> None:
    assert md("@team #12") == "@&#8203;team #&#8203;12"
    assert md("<!here> a|b *c*") == r"&lt;\!here&gt; a\|b \*c\*"
    assert defuse("https://x www.y GH-1 deadbeefcafe1") == (
        f"https:{ZERO_WIDTH}//x www{ZERO_WIDTH}.y GH{ZERO_WIDTH}-1 "
        f"deadbe{ZERO_WIDTH}efcafe{ZERO_WIDTH}1"
    )
    text = payload(_report("<!channel> & @here"))["text"]
    assert isinstance(text, str)
    assert f"&lt;!channel&gt; &amp; @{ZERO_WIDTH}here" in text


@settings(max_examples=150, deadline=None)
@given(names)
def test_any_name_gives_the_bytes_of_json_dumps(name: str) -> None:
    """The fast JSON writer and the checksum escape names exactly as ``json.dumps`` does."""
    plan = _plan(name)
    compact = json.dumps(plan.body(), sort_keys=True, separators=(",", ":"))
    assert plan.checksum() == "sha256:" + hashlib.sha256(compact.encode()).hexdigest()
    standard = json.dumps(plan.to_data(), sort_keys=True, indent=2, ensure_ascii=False)
    assert render_json(plan) == standard + "\n"
