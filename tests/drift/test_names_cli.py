"""Hostile names through the real CLI: a project file in a user's repository names
``@here``, ``#12`` and ``<!channel>``; someone edits the project by hand to ping a Slack
channel. The PR comment (``plan --format markdown``), the drift issue (``drift --format
markdown``) and the webhook message show the names and mention or link nothing."""

from __future__ import annotations

import html
from pathlib import Path

from drift_helpers import Hand, Webhook, hand_client
from markdown_checks import LINKABLE, shape
from usercli import UserShell

from reconciler.sandbox.demo import make_user

NAME = "Ops @oncall #12 <!channel> <b>x</b> | www.e.x"
HAND_DESCRIPTION = "<!here> call @channel about #7 <@U123>"
ZERO_WIDTH = "\u200b"


def _inert(markdown: str) -> None:
    tags, texts, tables = shape(markdown)
    allowed = {"details", "/details", "summary", "/summary", "b", "/b", "sub", "/sub", "a", "/a"}
    assert set(tags) <= allowed  # <a name="rc-N"> anchors the plan's table of contents
    assert tags.count("b") == tags.count("/b") and tags.count("b") <= 5
    assert all(len(set(rows)) == 1 for rows in tables), tables
    assert not [t for t in texts if LINKABLE.search(t)], markdown


def test_names_mention_and_link_nothing_from_the_cli(
    user_repo: UserShell, served_sandbox: tuple[str, str], sandbox_db: tuple[Path, str]
) -> None:
    url, token = served_sandbox
    user_repo.env.update(RECONCILER_TARGET=url, RECONCILER_TOKEN=token)
    user_repo.write(
        "projects.d/projects/ops.yaml",
        f"apiVersion: reconciler/v1\nkind: Project\nname: '{NAME}'\n"
        "description: 'ask <@U123> or @here'\n",
    )
    user_repo.commit_all("An ops project (#9)")
    planned = user_repo.run("plan", "--format", "markdown")
    assert planned.returncode == 0, planned.stderr
    assert "Ops @&#8203;oncall #&#8203;12 &lt;!channel&gt;" in planned.stdout
    _inert(planned.stdout)
    applied = user_repo.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr

    roles = ["view_all", "project_management"]
    with hand_client(url, make_user(sandbox_db[0], "olga.admin", roles=roles)) as http:
        pid = Hand(http).project(NAME)
        http.patch(f"/projects/{pid}", json={"description": HAND_DESCRIPTION}).raise_for_status()

    with Webhook() as hook:
        drifted = user_repo.run("drift", "--format", "markdown", "--notify", hook.url)
    assert drifted.returncode == 2, drifted.stderr
    _inert(drifted.stdout)
    (message,) = hook.received
    text = message["text"]
    assert "<" not in text and ">" not in text and not LINKABLE.search(text)
    visible = html.unescape(text).replace(ZERO_WIDTH, "")
    assert f"live description {HAND_DESCRIPTION!r}" in visible
    assert "by hand: olga.admin" in visible
    assert token not in drifted.stdout + drifted.stderr + text
