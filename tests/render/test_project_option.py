"""``--project NAME`` on ``plan``, ``drift`` and ``report``, typed as a user types it:
some projects shown, the rest counted; a typo is an error, never an empty view."""

from __future__ import annotations

import json
import re

from usercli import UserShell


def test_plan_shows_matching_projects_and_counts_the_rest(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--project", "Fit*")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    sections = re.findall(r"^(project .+|company-wide): ", out, flags=re.M)
    assert sections == ["project FitLife Clubs"]
    assert "Shown: projects matching 'Fit*' (--project); 103 changes not shown " in out
    assert "(3 other projects, 6 company-wide changes)" in out
    assert "bank.anna" not in out
    # the footer and the checksum are the whole plan's, as `plan` alone shows them
    whole = user_repo.run("plan").stdout
    assert out.splitlines()[-2:] == whole.splitlines()[-2:]


def test_plan_glob_and_exact_names_repeat(user_repo: UserShell) -> None:
    out = user_repo.run("plan", "--project", "Bank*", "--project", "Default").stdout
    found = re.findall(r"^project (.+?): (.+)$", out, flags=re.M)
    assert [name for name, _ in found] == [
        "Bank Collections",
        "Default",
        "FitLife Clubs",
        "QuickDelivery",
    ]
    # the others show only what moves out of Default into them
    assert dict(found)["FitLife Clubs"] == "5 to move"
    fitlife = out[out.index("project FitLife Clubs:") :].split("\n\n")[0].splitlines()[1:]
    assert all(line.startswith("  > ") and ": Default -> FitLife Clubs" in line for line in fitlife)


def test_a_pattern_matching_no_project_is_a_usage_error(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--project", "Deflt")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Error: --project 'Deflt' matches no project, live or declared; did you mean " in (
        done.stderr
    )
    assert "Default?" in done.stderr


def test_the_json_plan_and_a_saved_plan_stay_whole(user_repo: UserShell) -> None:
    for args in (("--format", "json"), ("--out", "plan.json")):
        done = user_repo.run("plan", "--project", "Bank*", *args)
        assert done.returncode == 2, done.stderr
        assert "the JSON plan and --out are the whole, checksummed plan" in done.stderr
        assert not user_repo.path("plan.json").exists()


def test_the_markdown_comment_narrows_too(user_repo: UserShell) -> None:
    done = user_repo.run("plan", "--format", "markdown", "--project", "QuickDelivery")
    assert done.returncode == 0, done.stderr
    assert "<b>QuickDelivery</b>" in done.stdout
    assert "<b>Default</b>" not in done.stdout
    assert "(--project)" in done.stdout


def test_drift_narrows_the_report_but_exits_for_all_of_it(user_repo: UserShell) -> None:
    # nothing applied yet: every project drifts
    done = user_repo.run("drift", "--project", "FitLife Clubs")
    assert done.returncode == 2
    headings = re.findall(r"^(\S.*):$", done.stdout, flags=re.M)
    assert headings == ["FitLife Clubs"]
    assert re.search(r"\d+ difference\(s\) elsewhere not shown", done.stdout)
    data = json.loads(user_repo.run("drift", "--project", "Fit*", "--format", "json").stdout)
    assert {i["project"] for i in data["items"]} == {"FitLife Clubs"}
    assert data["selection"]["projects"] == ["Fit*"] and data["selection"]["hidden"] > 0
    assert user_repo.run("drift", "--project", "Nope").returncode == 2


def test_drift_in_other_projects_only_still_exits_2(user_repo: UserShell) -> None:
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    user_repo.edit(
        "projects.d/projects/fitlife.yaml",
        lambda text: text.replace("description: Membership", "description: Gym membership"),
    )
    done = user_repo.run("drift", "--project", "Bank*")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith("No drift in the projects shown.\n")
    assert "1 difference(s) elsewhere not shown" in done.stdout


def test_report_access_for_a_user_narrows_and_counts(user_repo: UserShell) -> None:
    args = ("report", "access", "--user", "fit.nina", "--state", "desired", "--project")
    done = user_repo.run(*args, "Quick*")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("fit.nina sees 12 objects (desired state), 12 in the projects")
    assert "  QuickDelivery (directly, via group night-shift)\n" in done.stdout
    assert done.stdout.endswith("(--project: 0 objects of other projects not shown)\n")
    elsewhere = user_repo.run(*args, "Fit*").stdout
    assert elsewhere.splitlines() == [
        "fit.nina sees 12 objects (desired state), 0 in the projects shown.",
        "(--project: 12 objects of other projects not shown)",
    ]


def test_report_access_on_live_names_the_state_a_pattern_missed(user_repo: UserShell) -> None:
    """Bank Collections is declared, not yet applied: live has no such project."""
    done = user_repo.run("report", "access", "--user", "bank.anna", "--project", "Bank*")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Error: --project 'Bank*' matches no project in the live state " in done.stderr
    assert "(declared ones: --state desired)" in done.stderr
    isolation = user_repo.run("report", "isolation", "--project", "Bank*")
    assert isolation.returncode == 2
    assert "matches no project in the live state" in isolation.stderr


def test_report_access_for_an_object_keeps_where_it_is(user_repo: UserShell) -> None:
    """Narrowed away from the object's project, the answer still says where the object
    is, keeps who sees everything, and counts the members it leaves out."""
    args = ("report", "access", "--object", "queues/Bank Collections Inbound")
    done = user_repo.run(*args, "--state", "desired", "--project", "QuickDelivery")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "12 users see queues/Bank Collections Inbound (desired state; in Bank Collections):"
    )
    assert [line.split(":")[0].strip() for line in lines[1:-1]] == [
        "olga.admin",
        "qa.lead",
        "reconciler",
    ]
    assert lines[-1] == "(--project: 9 users who see it through other projects not shown)"
    data = json.loads(
        user_repo.run(*args, "--state", "desired", "--project", "Bank*", "--format", "json").stdout
    )
    assert data["projects"] == ["Bank Collections"]
    assert len(data["users"]) == 12
    assert data["not_shown"] == 0
