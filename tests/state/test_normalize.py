"""Config documents -> desired Snapshot and settings."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.config.models import DOCUMENT_ADAPTER, Company, Policy, Project, Role
from reconciler.errors import ConfigError, Position
from reconciler.state.normalize import normalize
from reconciler.state.snapshot import ProjectState, RoleState


def doc(**data: Any) -> Company | Project | Role | Policy:
    return DOCUMENT_ADAPTER.validate_python({"apiVersion": "reconciler/v1", **data})


DOCS = [
    doc(
        kind="Company",
        prune=True,
        default_project={"name": "Everyone", "remove_placed_members": False},
    ),
    doc(
        kind="Project",
        name="Bank",
        description="Collections",
        previous_names=["Bank old"],
        protected=True,
        members={"users": ["anna"], "groups": ["collectors"]},
        objects={"queues": ["Bank IVR"], "schedules": ["Office hours"]},
    ),
    doc(kind="Project", name="Fit", members={"users": ["ivan", "anna"]}),
    doc(kind="Role", name="Admin", users=["root"]),
    doc(kind="Role", name="Sup", permissions=["view_all"], users=["sv"]),
    doc(kind="Policy", name="clients", isolate=["Bank", "Fit"], max_view_all_users=3),
]


def test_documents_become_the_desired_snapshot() -> None:
    snap = normalize(DOCS).snapshot
    assert snap.security_type == "advanced"
    assert snap.projects["Bank"] == ProjectState(
        "Bank",
        "Collections",
        frozenset({"anna"}),
        frozenset({"collectors"}),
        frozenset({("queues", "Bank IVR"), ("schedules", "Office hours")}),
    )
    assert snap.roles["Admin"] == RoleState("Admin", frozenset(), frozenset({"root"}), True)
    assert snap.roles["Sup"] == RoleState("Sup", frozenset({"view_all"}), frozenset({"sv"}))
    assert snap.users == {"anna", "ivan", "root", "sv"}
    assert snap.groups == {"collectors": frozenset()}
    assert snap.objects == {("queues", "Bank IVR"), ("schedules", "Office hours")}


def test_file_settings_come_along() -> None:
    cfg = normalize(DOCS).settings
    assert cfg.prune
    assert cfg.default_project == "Everyone"
    assert not cfg.remove_placed_members
    assert dict(cfg.renames) == {"Bank": ("Bank old",)}
    assert cfg.protected == {"Bank"}
    assert [(p.name, p.isolate, p.max_view_all_users) for p in cfg.policies] == [
        ("clients", ("Bank", "Fit"), 3)
    ]


def test_without_a_company_the_security_type_is_not_managed() -> None:
    desired = normalize(DOCS[1:])
    assert desired.snapshot.security_type is None
    assert not desired.settings.prune
    assert desired.settings.default_project == "Default"
    assert desired.settings.remove_placed_members


def test_a_name_declared_twice_is_a_config_error_at_its_position() -> None:
    where = Position("projects.d/fit2.yaml", 2, 7)
    with pytest.raises(ConfigError) as caught:
        normalize([*DOCS, doc(kind="Project", name="Fit")], locate=lambda key: where)
    assert (
        str(caught.value)
        == "projects.d/fit2.yaml:2:7: error: project 'Fit' is declared more than once"
    )
