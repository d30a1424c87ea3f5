"""Golden-file support and hand-made plans for the rendering tests.

Golden files live in ``tests/render/golden/`` and are compared whole (a ``.gz`` one,
the JSON of the 1,000-project plan, once decompressed). Refresh them on
purpose with ``pytest tests/render --update-golden`` (or ``UPDATE_GOLDEN=1``), then
review the diff like any other change.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.errors import Position
from reconciler.plan.changes import (
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    ProjectCreate,
    ProjectRename,
    ProjectUpdate,
    RoleCreate,
    RoleHolderAdd,
)
from reconciler.plan.model import AccessDelta, Plan, Sight, Unplaced, Violation

GOLDEN = Path(__file__).parent / "golden"
DEFAULT_REASON = (
    "placed in {p}; Company default_project.remove_placed_members is true, so it no "
    "longer sees all of Default"
)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    update = bool(request.config.getoption("--update-golden", default=False)) or (
        os.environ.get("UPDATE_GOLDEN") == "1"
    )

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        zipped = name.endswith(".gz")
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = actual.encode("utf-8")
            path.write_bytes(gzip.compress(data, mtime=0) if zipped else data)
            return
        assert path.exists(), f"missing golden file {name}: run with --update-golden"
        stored = gzip.decompress(path.read_bytes()) if zipped else path.read_bytes()
        assert actual == stored.decode("utf-8"), f"rendering differs from {name}"

    return check


def _sights(project: str, *objects: tuple[str, str]) -> tuple[Sight, ...]:
    return tuple(Sight(kind, name, project) for kind, name in objects)


def realistic() -> Plan:
    """The demo company split into client projects: creates, moves out of Default,
    Default-policy removals, a rename, a role, access impact and unmanaged leftovers."""
    bank = "Bank Collections"
    changes = [
        RoleCreate("Supervisors", ("access_management", "project_list")),
        RoleHolderAdd("Supervisors", "sv.bank"),
        ProjectCreate(bank, "Debt collection for Northwind Bank"),
        ProjectCreate("FitLife", ""),
        ProjectRename("Delivery", "QuickDelivery"),
        ProjectUpdate("QuickDelivery", "", "Courier support line"),
        MemberAdd(bank, "group", "bank-collectors"),
        MemberAdd(bank, "user", "sv.bank"),
        MemberAdd("FitLife", "group", "fitness-sales"),
        ObjectMove("queues", "Bank Collections Inbound", "Default", bank),
        ObjectMove("call_scripts", "Bank IVR", "Default", bank),
        ObjectMove("queues", "FitLife Retention", "Default", "FitLife"),
        ObjectAdd(bank, "schedules", "Weekdays 9-18"),
        ObjectAdd("FitLife", "schedules", "Weekdays 9-18"),
        MemberRemove("Default", "group", "bank-collectors", DEFAULT_REASON.format(p=bank)),
        MemberRemove("Default", "user", "sv.bank", DEFAULT_REASON.format(p=bank)),
        MemberRemove(
            "QuickDelivery",
            "user",
            "fit.nina",
            "not in members.users of project QuickDelivery (projects.d/quickdelivery.yaml:12)",
        ),
        ObjectRemove(
            "QuickDelivery",
            "lists",
            "VIP Customers",
            "not in objects.lists of project QuickDelivery (projects.d/quickdelivery.yaml:20)",
        ),
    ]
    lost = _sights(
        "Default",
        ("auto_dialers", "Delivery Survey Dialer"),
        ("queues", "FitLife Membership Sales"),
        ("queues", "General Reception"),
    )
    access = (
        AccessDelta("bank.anna", lost=lost),
        AccessDelta(
            "sv.bank",
            gained=_sights(bank, ("schedules", "Weekdays 9-18")),
            lost=lost + _sights("Default", ("queues", "QuickDelivery Support")),
        ),
    )
    return Plan(
        changes=tuple(sorted(changes)),
        live_fingerprint="sha256:" + "1" * 64,
        desired_fingerprint="sha256:" + "2" * 64,
        violations=(
            Violation(
                "max_view_all_users",
                "3 users hold view_all; the policy allows 5",
                Position("projects.d/policy.yaml", 4, 3),
                blocking=False,
            ),
        ),
        access_impact=access,
        unmanaged_projects=("Legacy Pilot",),
        unmanaged_roles=("Old Auditors",),
        notes=("security_type is not declared: the live value (advanced) is kept",),
        unplaced=(Unplaced("fit.nina", ("QuickDelivery",)),),
    )


def blocked() -> Plan:
    """A plan that fails two checks: still rendered, marked not applicable."""
    changes = (
        MemberAdd("Bank Collections", "group", "night-shift"),
        MemberAdd("FitLife", "group", "night-shift"),
    )
    return Plan(
        changes=tuple(sorted(changes)),
        live_fingerprint="sha256:" + "3" * 64,
        desired_fingerprint="sha256:" + "4" * 64,
        violations=(
            Violation(
                "isolate",
                "group night-shift is in two isolated projects: Bank Collections, FitLife",
                Position("projects.d/fitlife.yaml", 9, 7),
            ),
            Violation(
                "mass_change",
                "the plan removes 40% of live memberships (limit 25%); "
                "pass --allow-mass-change if this is intended",
            ),
            Violation(
                "require_placement",
                "policy 'everyone-placed' requires every user placed, but 1 user would be in "
                "no project and hold neither Admin nor view_all, so would see nothing: "
                "new.agent; add them to a project's members",
                Position("projects.d/policy.yaml", 5, 1),
            ),
        ),
        notes=(
            "1 user exists live that no file names: new.agent; the plan removes them from "
            "project Default, and then they would see nothing; declare them in members.users "
            "of a project (Default included) to keep them placed",
        ),
        unplaced=(Unplaced("new.agent", ("Default",)), Unplaced("old.auditor")),
    )


def empty() -> Plan:
    return Plan(
        changes=(), live_fingerprint="sha256:" + "5" * 64, desired_fingerprint="sha256:" + "5" * 64
    )


@pytest.fixture
def realistic_plan() -> Plan:
    return realistic()


@pytest.fixture
def blocked_plan() -> Plan:
    return blocked()


@pytest.fixture
def empty_plan() -> Plan:
    return empty()
