"""``apply PLAN_FILE`` applies what was reviewed, or nothing: a plan saved before the
files (or live) moved on is refused with the difference, field by field, unless
``--replan-if-subset`` and the plan made now only drops reviewed changes. A plan file
edited to carry other changes (checksums recomputed) is refused too.
"""

from __future__ import annotations

import json

from usercli import UserShell

from reconciler.plan.saved import file_checksum, plan_from_data

BANK = "projects.d/projects/bank-collections.yaml"


def _review(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--out", "plan.json")
    assert done.returncode == 0, done.stderr


def _merge(user_repo: UserShell, old: str, new: str) -> None:
    user_repo.edit(BANK, lambda text: text.replace(old, new, 1))
    user_repo.commit_all("merged with something else")


def _applied(user_repo: UserShell) -> bool:
    return user_repo.path(".reconciler/audit.jsonl").exists()


def test_a_current_saved_plan_is_applied(user_repo: UserShell) -> None:
    _review(user_repo)
    done = user_repo.run("apply", "plan.json", "--stale-report", "stale.md")
    assert done.returncode == 0, done.stderr
    assert not user_repo.path("stale.md").exists()
    assert user_repo.run("plan", "--detailed-exitcode").returncode == 0


def test_a_stale_plan_is_refused_with_the_difference(user_repo: UserShell) -> None:
    _review(user_repo)
    _merge(user_repo, "    - Contract Number\n", "")
    done = user_repo.run("apply", "plan.json", "--stale-report", "stale.md")
    assert done.returncode == 1
    assert "the desired files changed since the plan was made" in done.stderr
    assert (
        "- object_add project='Bank Collections' kind='contact_fields' object='Contract Number'"
        "    (reviewed, no longer planned)" in done.stderr
    )
    assert "nothing applied" in done.stderr
    assert not _applied(user_repo)
    report = user_repo.read("stale.md")
    assert report.startswith("## Reconciler apply: :x: the reviewed plan is stale")
    assert "only drops reviewed changes (a subset)" in report
    assert "object='Contract Number'" in report


def test_a_dropped_change_that_alters_another_is_no_subset(user_repo: UserShell) -> None:
    """Without bank.hana in Bank, her removal from Default leaves her in no project: the
    same change, another reason, not what was reviewed."""
    _review(user_repo)
    _merge(user_repo, "    - bank.hana\n", "")
    done = user_repo.run("apply", "plan.json", "--replan-if-subset")
    assert done.returncode == 1
    assert "~ member_remove project='Default' member_type='user' member='bank.hana'" in (
        done.stderr
    )
    assert "-     reason: 'placed in project Bank Collections;" in done.stderr
    assert "+     reason: 'not in members.users of project Default" in done.stderr
    assert not _applied(user_repo)


def test_replan_if_subset_applies_the_plan_made_now(user_repo: UserShell) -> None:
    _review(user_repo)
    _merge(user_repo, "    - Contract Number\n", "")
    done = user_repo.run("apply", "plan.json", "--replan-if-subset")
    assert done.returncode == 0, done.stderr
    assert "applying the plan made now" in done.stderr
    assert _applied(user_repo)
    assert user_repo.run("plan", "--detailed-exitcode").returncode == 0


def test_a_replan_with_unreviewed_changes_is_refused_even_as_a_subset(
    user_repo: UserShell,
) -> None:
    _review(user_repo)
    _merge(user_repo, "    - Blocked Numbers\n", "    - Blocked Numbers\n    - VIP Customers\n")
    _merge(user_repo, "(inbound and outbound)", "(inbound only)")
    done = user_repo.run("apply", "plan.json", "--replan-if-subset", "--stale-report", "s.md")
    assert done.returncode == 1
    err = done.stderr
    assert (
        "+ object_add project='Bank Collections' kind='lists' object='VIP Customers'"
        "    (not in the reviewed plan)" in err
    )
    assert "~ project_create name='Bank Collections'" in err
    assert "-     description: 'Debt collection line for the bank (inbound and outbound)'" in err
    assert "+     description: 'Debt collection line for the bank (inbound only)'" in err
    assert not _applied(user_repo)
    assert "holds changes nobody reviewed" in user_repo.read("s.md")


def test_a_plan_file_rewritten_with_other_changes_is_refused(user_repo: UserShell) -> None:
    """Checksums are no signature: whoever can write the file can recompute them. The
    changes must be the ones planned now from the same files and live state."""
    _review(user_repo)
    data = json.loads(user_repo.read("plan.json"))
    del data["checksum"]
    plan = data["plan"]
    plan["changes"] = [c for c in plan["changes"] if c["type"] != "member_remove"]
    plan["checksum"] = plan_from_data(plan).checksum()
    data["checksum"] = file_checksum(data)
    user_repo.write("plan.json", json.dumps(data))
    done = user_repo.run("apply", "plan.json", "--replan-if-subset")
    assert done.returncode == 1
    assert "the plan made now differs from it" in done.stderr
    assert "(not in the reviewed plan)" in done.stderr  # the removals it left out
    assert not _applied(user_repo)


def test_hold_sensitive_stops_before_an_approval_is_given(user_repo: UserShell) -> None:
    _review(user_repo)
    held = user_repo.run("apply", "plan.json", "--hold-sensitive")
    assert held.returncode == 3, held.stderr
    assert "the plan needs an approval before apply" in held.stderr
    assert "grants_view_all: gives 'qa.lead' role 'QA Lead', which holds view_all" in held.stderr
    assert "isolated_access: adds lists/Blocked Numbers to project 'Bank Collections'" in (
        held.stderr
    )
    assert not _applied(user_repo)
    saved = json.loads(user_repo.read("plan.json"))["sensitive"]
    assert {"code": "grants_view_all", "message": saved[0]["message"]} in saved
    approved = user_repo.run("apply", "plan.json")
    assert approved.returncode == 0, approved.stderr
    after = user_repo.run("apply", "--auto-approve", "--hold-sensitive")
    assert after.returncode == 0, after.stderr  # nothing left to hold
