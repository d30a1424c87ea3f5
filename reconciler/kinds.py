"""The vocabulary of the platform: object kinds and project permissions."""

from __future__ import annotations

from typing import Final, Literal

ObjectKind = Literal[
    "queues",
    "call_scripts",
    "auto_dialers",
    "crm_forms",
    "schedules",
    "sip_providers",
    "lists",
    "notification_templates",
    "contact_fields",
    "ip_phones",
]

#: Every object kind, in the order files and renderings use.
OBJECT_KINDS: Final[tuple[ObjectKind, ...]] = (
    "queues",
    "call_scripts",
    "auto_dialers",
    "crm_forms",
    "schedules",
    "sip_providers",
    "lists",
    "notification_templates",
    "contact_fields",
    "ip_phones",
)

#: Kinds that belong to exactly one project at most (the single-project rule).
SINGLE_PROJECT_KINDS: Final[frozenset[str]] = frozenset(
    {"queues", "call_scripts", "auto_dialers", "crm_forms"}
)

Permission = Literal["view_all", "project_list", "access_management", "project_management"]

PERMISSIONS: Final[tuple[Permission, ...]] = (
    "view_all",
    "project_list",
    "access_management",
    "project_management",
)

#: The built-in template role: sees and manages everything; cannot be edited or deleted.
ADMIN_ROLE: Final = "Admin"

#: The project the platform creates when a company switches from simple to advanced.
DEFAULT_PROJECT: Final = "Default"

SecurityType = Literal["simple", "advanced"]
