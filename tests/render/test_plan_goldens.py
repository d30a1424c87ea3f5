"""Every rendering of two real plans, compared whole with golden files.

The example: the bundled ``projects.d/`` planned by ``reconciler plan`` against the demo
sandbox, as a user runs it (text, markdown, the ``--markdown-full`` file, JSON, and a
``--project`` view). The 1,000-project plan: ``big_plan`` (10,000 changes) through the
renderers (text, the markdown comment, the full markdown, JSON). Refresh with
``pytest tests/render --update-golden`` and read the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from big_plan import big_plan
from markdown_it import MarkdownIt
from usercli import UserShell

from reconciler.plan.model import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import BUDGET, FULL_BUDGET, render_markdown
from reconciler.render.text import render_text
from reconciler.render.view import RenderContext

Golden = Callable[[str, str], None]
GITHUB_COMMENT_LIMIT = 65_536


#: The day the example is planned for: a plan records it (``as_of``, in its checksum).
AS_OF = "2026-12-01"


def _plan(user_repo: UserShell, *args: str) -> str:
    done = user_repo.run("plan", "--now", AS_OF, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_in_every_format(user_repo: UserShell, golden: Golden) -> None:
    golden("example.txt", _plan(user_repo))
    markdown = _plan(user_repo, "--format", "markdown", "--markdown-full", "full.md")
    golden("example.md", markdown)
    assert user_repo.read("full.md") == markdown  # it fits a comment: the same
    golden("example.json", _plan(user_repo, "--format", "json"))


def test_the_example_narrowed_to_some_projects(user_repo: UserShell, golden: Golden) -> None:
    text = _plan(user_repo, "--project", "Bank*", "--project", "QuickDelivery")
    golden("example-bank-quickdelivery.txt", text)
    golden("example-bank.md", _plan(user_repo, "--format", "markdown", "--project", "Bank Coll*"))


def test_the_example_reads_in_a_third_of_the_lines(user_repo: UserShell) -> None:
    """Before grouping: 507 lines and 32,098 bytes of markdown."""
    text = _plan(user_repo)
    assert len(text.splitlines()) < 507 / 3
    assert text.startswith("Plan: 125 changes in 4 projects and company-wide: ")
    assert len(_plan(user_repo, "--format", "markdown").encode()) < 32_098 / 2


@pytest.fixture(scope="module")
def big() -> tuple[Plan, RenderContext]:
    plan, groups = big_plan()
    return plan, RenderContext(groups=groups)


def test_the_1000_project_plan_in_every_format(
    big: tuple[Plan, RenderContext], golden: Golden
) -> None:
    plan, context = big
    assert len(plan.changes) == 10_002
    golden("big.txt", render_text(plan, context=context))
    golden("big.md", render_markdown(plan, context=context))
    golden("big-full.md", render_markdown(plan, budget=FULL_BUDGET, context=context))
    golden("big.json.gz", render_json(plan))


def test_the_1000_project_comment_fits_and_the_full_one_holds_every_project(
    big: tuple[Plan, RenderContext],
) -> None:
    plan, context = big
    comment = render_markdown(plan, context=context)
    assert len(comment) <= BUDGET < GITHUB_COMMENT_LIMIT
    assert "too large for one comment" in comment
    full = render_markdown(plan, budget=FULL_BUDGET, context=context)
    assert len(full.encode()) <= FULL_BUDGET
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(full)
    for index in range(1000):
        assert f'<a href="#rc-{index + 1}">Client {index:04d}</a>' in html
        assert f'<a name="rc-{index + 1}"></a>' in html
    assert html.count("<details>") == html.count("</details>")
    data = json.loads(render_json(plan))
    assert data["checksum"] == plan.checksum()


def test_a_group_of_exactly_the_users_is_named() -> None:
    plan, groups = big_plan(5)
    text = render_text(plan, context=RenderContext(groups=groups))
    assert (
        "  group hires-0000 (3 users: new.0000.0, new.0000.1, new.0000.2): "
        "gain 5 objects in Client 0000; lose 2 objects in Default\n"
    ) in text
