"""Nobody is locked out or left out silently: ``reconciler plan`` as a user runs it, in a
git repository holding the bundled ``projects.d/``, against the default sandbox.

Every removal says why (with the file line that decides it), every user the plan leaves
in no project is listed in every rendering, users no file names are a note, and a
Policy's ``require_placement`` makes anyone left seeing nothing a blocking violation."""

from __future__ import annotations

import hashlib
import json
import subprocess
from typing import Any

import pytest
from handedit import hand_in
from usercli import UserShell

SANDBOX = ".reconciler/sandbox.db"
ADMIN_REASON = (
    "not in members.users of project Default (projects.d/projects/default.yaml:12); "
    "holds Admin: still sees everything"
)


def plan(shell: UserShell, *args: str) -> subprocess.CompletedProcess[str]:
    done = shell.run("plan", *args)
    assert "Traceback" not in done.stderr
    return done


def plan_json(shell: UserShell) -> dict[str, Any]:
    done = plan(shell, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.fixture
def applied(user_repo: UserShell) -> UserShell:
    done = user_repo.run("apply", "--auto-approve")
    assert done.returncode == 0, done.stderr
    return user_repo


def test_every_removal_in_the_first_plan_says_why(user_repo: UserShell) -> None:
    text = plan(user_repo).stdout
    # alike removals fold into one line, with every name and the one reason
    assert f"  - 2 users: olga.admin, reconciler\n      reason: {ADMIN_REASON}\n" in text
    assert (
        "  - 4 contact_fields: Contract Number, Debt Amount, Membership Tier, Order Number\n"
        "      reason: not in objects.contact_fields "
        "of project Default (projects.d/projects/default.yaml:28)\n"
    ) in text
    markdown = plan(user_repo, "--format", "markdown").stdout
    assert f"- 2 users: olga.admin, reconciler\n    reason: {ADMIN_REASON}\n" in markdown
    removals = [c for c in plan_json(user_repo)["changes"] if c["action"] == "remove"]
    assert removals
    assert [c for c in removals if not c["reason"]] == []


def test_a_user_removed_from_their_only_project_is_listed_everywhere(applied: UserShell) -> None:
    applied.edit(
        "projects.d/projects/bank-collections.yaml", lambda t: t.replace("    - sv.bank\n", "")
    )
    applied.commit_all("sv.bank leaves the bank line")
    text = plan(applied).stdout
    assert (
        "  - user sv.bank\n      reason: not in members.users of project Bank Collections "
        "(projects.d/projects/bank-collections.yaml:13)\n"
    ) in text
    headline = "Left in no project (1 user, not Admin, no view_all: nothing visible after apply)"
    assert f"{headline}:\n  sv.bank: leaves Bank Collections\n" in text
    markdown = plan(applied, "--format", "markdown").stdout
    assert f"### :warning: {headline}\n\n- sv.bank: leaves Bank Collections\n" in markdown
    data = plan_json(applied)
    assert data["unplaced"] == [{"user": "sv.bank", "leaves": ["Bank Collections"]}]
    body = {k: v for k, v in data.items() if k != "checksum"}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert data["checksum"] == "sha256:" + hashlib.sha256(blob).hexdigest()


def test_users_no_file_names_are_a_note_with_their_logins(applied: UserShell) -> None:
    with hand_in(applied.path(SANDBOX)) as hand:
        hand.create_user("new.agent2", "Default")
        hand.create_user("new.agent1", "Default")
    note = (
        "2 users exist live that no file names: new.agent1, new.agent2; the plan removes "
        "them from project Default, and then they would see nothing; declare them in "
        "members.users of a project (Default included) to keep them placed"
    )
    done = plan(applied)
    assert done.returncode == 0, done.stderr
    assert f"Notes:\n  - {note}\n" in done.stdout
    assert "  new.agent1: leaves Default\n  new.agent2: leaves Default\n" in done.stdout
    assert (
        "  - 2 users: new.agent1, new.agent2\n      reason: not in members.users of project "
        "Default (projects.d/projects/default.yaml:12)\n"
    ) in done.stdout
    assert f"- {note.replace('_', chr(92) + '_')}\n" in plan(applied, "--format", "markdown").stdout
    data = plan_json(applied)
    assert note in data["notes"]
    assert [u["user"] for u in data["unplaced"]] == ["new.agent1", "new.agent2"]


def test_require_placement_refuses_a_plan_that_leaves_anyone_seeing_nothing(
    user_repo: UserShell,
) -> None:
    user_repo.edit(
        "projects.d/policies.yaml",
        lambda t: t.replace(
            "max_view_all_users: 3\n", "max_view_all_users: 3\nrequire_placement: true\n"
        ),
    )
    user_repo.commit_all("every agent is placed")
    assert user_repo.run("validate").returncode == 0
    line = user_repo.read("projects.d/policies.yaml").splitlines().index("require_placement: true")
    assert user_repo.run("apply", "--auto-approve").returncode == 0  # everyone is placed
    with hand_in(user_repo.path(SANDBOX)) as hand:
        hand.create_user("new.agent", "Default")
    done = plan(user_repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"  error: projects.d/policies.yaml:{line + 1}:1: policy 'client-isolation' requires "
        "every user placed, but 1 user would be in no project and hold neither Admin nor "
        "view_all, so would see nothing: new.agent; add them to a project's members "
        "[require_placement]\n"
    ) in done.stdout
    refused = user_repo.run("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "require_placement" in refused.stdout + refused.stderr
