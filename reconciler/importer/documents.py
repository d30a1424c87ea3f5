"""A live Snapshot as the documents of a ``projects.d/`` directory (pure, no I/O).

``layout(snapshot)`` decides which file holds which document; ``writer.py`` turns the
result into YAML text and files. The documents are chosen so that loading them and
planning against the same live state gives an empty plan:

* every live project gets a Project document (so nothing is unmanaged), with its
  members and objects sorted;
* the Admin role lists its holders and every custom role its permissions and holders;
* the Company keeps ``prune: false`` and the Default-project policy that leaves live as
  it is: ``remove_placed_members`` is written ``false`` when a member of Default is also
  placed in another project (live already has such overlaps, and ``true`` would plan
  their removal from Default), ``true`` otherwise.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from reconciler.config.models import API_VERSION
from reconciler.kinds import ADMIN_ROLE, DEFAULT_PROJECT, OBJECT_KINDS
from reconciler.plan.settings import Expiry, Key
from reconciler.state.snapshot import ProjectState, Snapshot

SLUG_MAX = 60

#: Time-limited entries to keep, by key (``PlanSettings.expiries``' shapes).
Timed = Mapping[Key, Expiry]

OVERLAP_COMMENT = (
    "Live has members of {default} who are also in other projects ({examples}).\n"
    "projects/ declares {default} with exactly its live members, so this setting changes\n"
    "nothing today; false keeps it that way if you stop declaring {default} (with true,\n"
    "a plan would then remove those members from {default})."
)


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One file to write: its path under the config directory, its documents (plain,
    JSON-like values in output order), and comments to put above given keys of the
    first document."""

    path: PurePosixPath
    documents: tuple[dict[str, Any], ...]
    comments: dict[str, str] = field(default_factory=dict)


def slugify(name: str) -> str:
    """A lowercase, ASCII, filesystem-safe file stem for ``name`` (never empty)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_MAX].strip("-")
    return slug or "project"


def project_slugs(names: list[str]) -> dict[str, str]:
    """Collision-free stems for project names.

    Each name gets its plain slug unless an earlier name (in sorted order) took it;
    then a short hash of the name itself is appended, so the stem depends only on the
    name and on which names collide, never on anything else.
    """
    taken: set[str] = set()
    slugs: dict[str, str] = {}
    for name in sorted(names):
        base = slugify(name)
        slug, width = base, 8
        while slug in taken:
            digest = hashlib.sha256(name.encode()).hexdigest()[:width]
            slug, width = f"{base}-{digest}", width + 4
        taken.add(slug)
        slugs[name] = slug
    return slugs


def placed_overlaps(snapshot: Snapshot, default: str = DEFAULT_PROJECT) -> list[str]:
    """Members of Default who are also members of another project, directly or (for a
    user) through a group placed elsewhere: ``["user:x", "group:y", ...]``, sorted."""
    home = snapshot.projects.get(default)
    if home is None:
        return []
    others = [p for n, p in snapshot.projects.items() if n != default]
    placed_users = {u for p in others for u in p.users}
    placed_groups = {g for p in others for g in p.groups}
    via_groups = {u for g in placed_groups for u in snapshot.groups.get(g, frozenset())}
    users = home.users & (placed_users | via_groups)
    groups = home.groups & placed_groups
    return sorted([f"user:{u}" for u in users] + [f"group:{g}" for g in groups])


def company_file(snapshot: Snapshot) -> FileSpec:
    security = snapshot.security_type or "advanced"
    overlaps = placed_overlaps(snapshot) if security == "advanced" else []
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Company",
        "security_type": security,
        "prune": False,
        "default_project": {"name": DEFAULT_PROJECT, "remove_placed_members": not overlaps},
    }
    comments: dict[str, str] = {}
    if overlaps:
        shown = ", ".join(overlaps[:3]) + (f" and {len(overlaps) - 3} more" if overlaps[3:] else "")
        comments["default_project"] = OVERLAP_COMMENT.format(
            default=DEFAULT_PROJECT, examples=shown
        )
    return FileSpec(PurePosixPath("company.yaml"), (doc,), comments)


def roles_file(snapshot: Snapshot, timed: Timed | None = None) -> FileSpec:
    docs: list[dict[str, Any]] = []
    admin = snapshot.roles.get(ADMIN_ROLE)
    if admin is not None:
        docs.append(_role_doc(ADMIN_ROLE, [], _entries(ADMIN_ROLE, admin.users, timed)))
    for name, role in sorted(snapshot.roles.items()):
        if name == ADMIN_ROLE or role.builtin:
            continue
        docs.append(_role_doc(name, sorted(role.permissions), _entries(name, role.users, timed)))
    return FileSpec(PurePosixPath("roles.yaml"), tuple(docs))


def _entries(
    name: str,
    members: frozenset[str],
    timed: Timed | None,
    where: str = "role",
    field: str = "users",
) -> list[Any]:
    """``members`` sorted; each one ``timed`` holds with an end date written as
    ``{login|name, until, reason}`` (what the replaced files said)."""
    entries: list[Any] = []
    for member in sorted(members):
        expiry = (timed or {}).get((where, name, field, member))
        if expiry is None:
            entries.append(member)
            continue
        entry: dict[str, Any] = {"login" if field == "users" else "name": member}
        entry["until"] = expiry.until
        if expiry.reason:
            entry["reason"] = expiry.reason
        entries.append(entry)
    return entries


def _role_doc(name: str, permissions: list[str], users: list[Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Role", "name": name}
    if permissions:
        doc["permissions"] = permissions
    if users:
        doc["users"] = users
    return doc


def project_doc(project: ProjectState, timed: Timed | None = None) -> dict[str, Any]:
    """A Project document for one live project: only non-empty fields, lists sorted;
    members ``timed`` holds keep their end date."""
    doc: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Project", "name": project.name}
    if project.description:
        doc["description"] = project.description
    members = {
        key: _entries(project.name, values, timed, "project", key)
        for key, values in (("users", project.users), ("groups", project.groups))
        if values
    }
    if members:
        doc["members"] = members
    objects: dict[str, list[str]] = {}
    for kind in OBJECT_KINDS:
        names = sorted(name for k, name in project.objects if k == kind)
        if names:
            objects[kind] = names
    if objects:
        doc["objects"] = objects
    return doc


def layout(snapshot: Snapshot, timed: Timed | None = None) -> list[FileSpec]:
    """Every file of the imported directory: company, roles, one file per project;
    memberships and holdings ``timed`` holds keep their end date."""
    files = [company_file(snapshot)]
    roles = roles_file(snapshot, timed)
    if roles.documents:
        files.append(roles)
    if (snapshot.security_type or "advanced") == "advanced":
        slugs = project_slugs(list(snapshot.projects))
        for name, project in sorted(snapshot.projects.items()):
            path = PurePosixPath("projects") / f"{slugs[name]}.yaml"
            files.append(FileSpec(path, (project_doc(project, timed),)))
    return files
