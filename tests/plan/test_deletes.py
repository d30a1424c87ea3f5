"""Project deletions: protection from the last applied configuration, deletions nobody
can vouch for, probable renames and acknowledgements (``reconciler.plan.deletes``)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from planner_helpers import ADMINS, applied, desired, proj, q, s, world

from reconciler.errors import Position
from reconciler.plan.model import Violation
from reconciler.plan.planner import plan
from reconciler.plan.saved import plan_from_data
from reconciler.plan.settings import AppliedHistory, PlanSettings
from reconciler.state.snapshot import Snapshot

UNKNOWN = AppliedHistory(unknown="there is no audit log at audit.jsonl")
XS = ["x", "x1", "x2", "x3"]
BANK = proj("Bank", ["anna", "boris"], ["collectors"], [q("Bank In"), s("9-18")])


def found(want: Snapshot, live: Snapshot, **settings: object) -> list[Violation]:
    result = plan(want, live, PlanSettings(prune=True, **settings))  # type: ignore[arg-type]
    return [v for v in result.violations if v.code not in ("mass_delete", "mass_remove")]


def test_a_project_protected_when_last_applied_cannot_be_deleted_even_acknowledged() -> None:
    live = world(BANK, proj("Fit"), roles=[ADMINS])
    history = applied("Fit", protected=["Bank"])
    [refused] = found(desired(proj("Fit")), live, history=history, allow_delete={"Bank"})
    assert refused.code == "protected_project"
    assert refused.blocking
    assert refused.position == Position("c0ffee:projects.d/Bank.yaml", 3, 1)
    assert refused.message == (
        "project 'Bank' was protected in the last applied configuration (commit c0ffee, audit "
        "record #2 in audit.jsonl) and cannot be deleted until an applied change lifts the "
        "protection: declare it again without protected: true, apply that, then delete it"
    )


def test_a_project_declared_unprotected_when_last_applied_may_be_deleted() -> None:
    live = world(BANK, proj("Fit"), roles=[ADMINS])
    assert found(desired(proj("Fit")), live, history=applied("Bank", "Fit")) == []


def test_unknown_history_refuses_deleting_a_project_that_holds_anything() -> None:
    live = world(BANK, proj("Empty", objects=[s("9-18")]), roles=[ADMINS])
    company = Position("projects.d/company.yaml", 1, 1)
    [refused] = found(
        desired(), live, history=UNKNOWN, locate=lambda k: company if k == ("company",) else None
    )
    assert refused.code == "unverified_delete"
    assert refused.blocking
    assert refused.position == company
    assert refused.message == (
        "project 'Bank' (2 users, 1 group, 1 single-project object) would be deleted, and "
        "whether it was protected when last applied cannot be told: there is no audit log at "
        "audit.jsonl; if the deletion is intended, run with --allow-delete Bank (recorded in "
        "the plan and the audit log)"
    )  # 'Empty' holds only a schedule, which stays on the platform: it may go
    [allowed] = found(desired(), live, history=UNKNOWN, allow_delete={"Bank"})
    assert not allowed.blocking
    assert allowed.message.endswith("; allowed by --allow-delete Bank")


def test_a_project_the_last_applied_configuration_did_not_declare_is_unverified() -> None:
    live = world(BANK, roles=[ADMINS])
    [refused] = found(desired(), live, history=applied("Fit"))
    assert refused.code == "unverified_delete"
    assert "the last applied configuration (commit c0ffee, audit record #2 in audit.jsonl) " in (
        refused.message
    )
    assert "does not declare it, so whether it was ever protected cannot be told" in (
        refused.message
    )


def test_turning_projects_off_deletes_protected_projects_too() -> None:
    live = world(BANK, roles=[ADMINS])
    refused = found(desired(security_type="simple"), live, history=applied(protected=["Bank"]))
    assert [v.code for v in refused] == ["protected_project"]
    files = found(desired(security_type="simple"), live, protected={"Bank"}, history=UNKNOWN)
    assert [v.code for v in files] == ["protected_project"]


def test_a_delete_and_a_create_with_mostly_the_same_contents_is_a_probable_rename() -> None:
    live = world(BANK, roles=[ADMINS], users=["chen"])
    new = proj("Bank Debt", ["anna", "boris", "chen"], ["collectors"], [q("Bank In")])
    where = Position("projects.d/bank.yaml", 3, 1)
    [rename] = found(
        desired(new),
        live,
        history=applied("Bank"),
        renames={"Bank Debt": ("Bank Old",)},
        locate=lambda k: where if k == ("project", "Bank Debt") else None,
    )
    assert rename.code == "probable_rename"
    assert rename.blocking
    assert rename.position == where
    assert rename.message == (
        "project 'Bank' would be deleted and 'Bank Debt' created; 'Bank Debt' shares 4 of 6 "
        "members and objects with it: probably a rename, and deleting loses the project's id "
        'and history; add "previous_names: [Bank Old, Bank]" to project Bank Debt '
        "(projects.d/bank.yaml:3:1) to rename it instead; if the deletion is intended, run "
        "with --allow-delete Bank (recorded in the plan and the audit log)"
    )
    acknowledged = found(desired(new), live, history=applied("Bank"), allow_delete={"Bank"})
    assert [v.blocking for v in acknowledged] == [False]


def test_probable_rename_thresholds_half_alike_and_two_shared() -> None:
    live = world(proj("A", ["u1", "u2"]), proj("B", ["v1"]), roles=[ADMINS], users=XS)
    history = applied("A", "B")
    half = desired(proj("A2", ["u1", "u2", "x1", "x2"]), proj("B2", ["v1"]))
    assert [v.code for v in found(half, live, history=history)] == ["probable_rename"]  # 2/4
    less = desired(proj("A2", ["u1", "u2", "x1", "x2", "x3"]))
    assert found(less, live, history=history) == []  # 2/5
    # B2 holds all of B's one member: too small to call it a rename


def test_each_deleted_project_pairs_with_its_best_match_only() -> None:
    live = world(proj("A", ["u1", "u2", "u3"]), roles=[ADMINS], users=XS)
    want = desired(proj("A1", ["u1", "u2", "u3"]), proj("A2", ["u1", "u2", "u3", "x"]))
    [rename] = found(want, live, history=applied("A"))
    assert "'A1' shares 3 of 3" in rename.message


def test_the_previous_names_hint_quotes_names_yaml_would_misread() -> None:
    live = world(proj("Null", ["u1", "u2"]), proj("a: b", ["v1", "v2"]), roles=[ADMINS])
    want = desired(proj("N", ["u1", "u2"]), proj("AB", ["v1", "v2"]))
    messages = " ".join(v.message for v in found(want, live, history=applied("Null", "a: b")))
    assert 'add "previous_names: [\\"Null\\"]" to project N' not in messages
    assert '"previous_names: ["Null"]"' in messages
    assert '"previous_names: ["a: b"]"' in messages


def test_an_acknowledgement_naming_no_deleted_project_blocks() -> None:
    live = world(BANK, roles=[ADMINS])
    [unused] = found(desired(BANK), live, allow_delete={"Bnak"})
    assert unused.code == "allow_delete_unused"
    assert unused.blocking
    assert unused.message.startswith("--allow-delete Bnak: the plan deletes no project of that")


def test_the_acknowledgement_is_part_of_the_plan_body_and_checksum() -> None:
    live = world(BANK, roles=[ADMINS])
    bare = plan(desired(), live, PlanSettings(prune=True, history=applied("Bank")))
    assert "allow_delete" not in bare.body()
    acked = plan(
        desired(), live, PlanSettings(prune=True, history=applied("Bank"), allow_delete={"Bank"})
    )
    assert acked.body()["allow_delete"] == ["Bank"]
    assert acked.checksum() != bare.checksum()
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())
    jsonschema.validate(acked.to_data(), schema, cls=jsonschema.Draft202012Validator)
    rebuilt = plan_from_data(acked.to_data())
    assert rebuilt.allow_delete == ("Bank",)
    assert rebuilt.checksum() == acked.checksum()
