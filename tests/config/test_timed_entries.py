"""The time-limited entry form and the Review document: schema, editor schema, rules."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
from usercli import UserShell

from reconciler.config.models import DOCUMENT_ADAPTER, Project, TimedGroup, TimedUser

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "schemas" / "projects.schema.json").read_text(encoding="utf-8")
)
P = "projects.d/projects/extra.yaml"


def project(members: str) -> str:
    return f"apiVersion: reconciler/v1\nkind: Project\nname: Extra\nmembers:\n{members}"


def test_both_forms_load_and_keep_their_dates() -> None:
    doc = DOCUMENT_ADAPTER.validate_python(
        {
            "apiVersion": "reconciler/v1",
            "kind": "Project",
            "name": "X",
            "members": {
                "users": ["anna", {"login": "ivan", "until": "2026-12-31", "reason": "cover"}],
                "groups": [{"name": "night", "until": "2027-01-31"}],
            },
        }
    )
    assert isinstance(doc, Project)
    assert doc.members.logins == ["anna", "ivan"]
    assert doc.members.users[1] == TimedUser(until=date(2026, 12, 31), reason="cover", login="ivan")
    assert doc.members.groups == [TimedGroup(until=date(2027, 1, 31), name="night")]


def test_the_editor_schema_knows_the_form() -> None:
    good = {
        "apiVersion": "reconciler/v1",
        "kind": "Role",
        "name": "Supervisor",
        "users": ["sv.bank", {"login": "temp.ivan", "until": "2026-12-31", "reason": "x"}],
    }
    jsonschema.validate(good, SCHEMA)
    bad = {**good, "users": [{"login": "temp.ivan"}]}
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(bad)


def test_an_entry_in_both_forms_is_a_duplicate(user_repo: UserShell) -> None:
    user_repo.write(
        P, project("  users:\n    - fit.nina\n    - {login: fit.nina, until: 2027-01-01}\n")
    )
    done = user_repo.run("validate")
    assert done.returncode == 1
    assert (
        f"{P}:7:7: error: duplicate entry 'fit.nina' in members.users (first at line 6)"
        in done.stdout.splitlines()
    )


def test_mapping_errors_point_inside_the_entry(user_repo: UserShell) -> None:
    user_repo.write(
        P,
        project("  users:\n    - login: fit.nina\n      until: 2027-01-01\n      untill: x\n"),
    )
    done = user_repo.run("validate")
    assert done.returncode == 1
    assert (
        f"{P}:8:7: error: unknown field 'members.users[0].untill' in Project; did you mean 'until'?"
    ) in done.stdout.splitlines()
    user_repo.write(P, project("  groups:\n    - {name: night-shift}\n"))
    done = user_repo.run("validate")
    assert (
        f"{P}:6:7: error: missing required field 'members.groups[0].until' in Project"
        in done.stdout.splitlines()
    )


def test_a_review_names_declared_projects(user_repo: UserShell) -> None:
    review = (
        "apiVersion: reconciler/v1\nkind: Review\nreviewed_on: 2026-12-01\n"
        "reviewer: kim\nprojects: [Bank Colections]\n"
    )
    user_repo.write("projects.d/reviews.yaml", review)
    done = user_repo.run("validate")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "projects.d/reviews.yaml:5:12: error: Review lists project 'Bank Colections', which no "
        "document declares; did you mean 'Bank Collections'?"
    ]
    fixed = review.replace("Colections", "Collections")
    user_repo.write("projects.d/reviews.yaml", fixed + "---\n" + fixed)  # any number of them
    done = user_repo.run("validate")
    assert done.returncode == 0, done.stdout
    with_reviews = json.loads(user_repo.run("plan", "--format", "json").stdout)["changes"]
    user_repo.path("projects.d/reviews.yaml").unlink()
    assert json.loads(user_repo.run("plan", "--format", "json").stdout)["changes"] == with_reviews
