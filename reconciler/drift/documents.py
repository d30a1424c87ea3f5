"""Edits of one document from live, and what the documents decide (no files).

``drift.adopt`` walks the files; the functions here change one round-trip document
(``ruamel.yaml`` ``CommentedMap``) in place and answer whether anything changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.drift.unexpressed import FileRules, Members
from reconciler.drift.yamledit import (
    YamlFile,
    entry_key,
    insert_after,
    scalar,
    section,
    sync_list,
)
from reconciler.kinds import ADMIN_ROLE, DEFAULT_PROJECT, OBJECT_KINDS
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot


def sync_project(doc: CommentedMap, live: ProjectState) -> bool:
    """Members, objects and description of one Project document from live."""
    changed = False
    if str(doc.get("description", "")) != live.description:
        if live.description:
            insert_after(doc, ("name", "previous_names"), "description", scalar(live.description))
        else:
            del doc["description"]
        changed = True
    members = section(doc, "members", bool(live.users or live.groups), "objects")
    if members is not None:
        changed |= sync_list(members, "users", live.users)
        changed |= sync_list(members, "groups", live.groups)
    objects = section(doc, "objects", bool(live.objects), None)
    if objects is not None:
        for kind in OBJECT_KINDS:
            changed |= sync_list(objects, kind, (n for k, n in live.objects if k == kind))
    return changed


def rename(doc: CommentedMap, live_name: str, *, keep_old: bool) -> None:
    """Give ``doc`` live's name; with ``keep_old`` the declared name becomes a previous one."""
    old = str(doc["name"])
    doc["name"] = scalar(live_name)
    previous = doc.get("previous_names")
    if isinstance(previous, list) and live_name in previous:
        previous.remove(live_name)
    if keep_old:
        if not isinstance(previous, list):
            previous = CommentedSeq()
            insert_after(doc, ("name",), "previous_names", previous)
        if old not in previous:
            previous.append(scalar(old))
    if isinstance(previous, list) and not previous:
        del doc["previous_names"]


def live_name_of(doc: Mapping[str, Any], live: Snapshot, hand: Mapping[str, str]) -> str | None:
    name = str(doc["name"])
    if name in live.projects:
        return name
    if name in hand:
        return hand[name]
    for old in doc.get("previous_names") or []:
        if str(old) in live.projects:
            return str(old)
    return None


def sync_role(doc: CommentedMap, live: RoleState) -> bool:
    changed = sync_list(doc, "users", live.users)
    if not live.builtin and str(doc.get("name")) != ADMIN_ROLE:
        changed |= sync_list(doc, "permissions", live.permissions)
    return changed


def kind_of(doc: Any) -> str | None:
    return str(doc.get("kind")) if isinstance(doc, dict) else None


def documents_of(files: list[YamlFile], kind: str) -> list[Any]:
    return [d for f in files for d in f.documents if kind_of(d) == kind]


def file_rules(files: list[YamlFile]) -> FileRules:
    """The Default project, its policy and the isolated projects the files decide."""
    companies = documents_of(files, "Company")
    default = companies[0].get("default_project") if companies else None
    default = default if isinstance(default, dict) else {}
    isolate = tuple(
        (str(d.get("name")), tuple(str(n) for n in d.get("isolate") or ()))
        for d in documents_of(files, "Policy")
    )
    return FileRules(
        str(default.get("name", DEFAULT_PROJECT)),
        bool(default.get("remove_placed_members", True)),
        isolate,
    )


def declared_members(files: list[YamlFile]) -> dict[str, Members]:
    """``project -> (users, groups)`` as the Project documents list them now."""
    found: dict[str, Members] = {}
    for doc in documents_of(files, "Project"):
        members = doc.get("members") if isinstance(doc.get("members"), dict) else {}
        users, groups = members.get("users") or (), members.get("groups") or ()
        found[str(doc["name"])] = (
            frozenset(map(entry_key, users)),
            frozenset(map(entry_key, groups)),
        )
    return found


def previous_names_of(doc: Any) -> list[Any]:
    previous = doc.get("previous_names")
    return previous if isinstance(previous, list) else []
