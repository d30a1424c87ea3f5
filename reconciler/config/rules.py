"""Static rules over all documents: what the models alone cannot see.

:func:`check_rules` runs every rule and returns every problem (never only the first),
each at the exact list item or key that breaks the rule, naming the other place when
two places conflict. Rules need no live system.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from reconciler.config.entries import review_problems
from reconciler.config.loaded import LoadedDocument, Model
from reconciler.config.models import (
    Company,
    Policy,
    Project,
    Review,
    Role,
)
from reconciler.config.positions import SourceDocument
from reconciler.config.schema_errors import did_you_mean, label
from reconciler.errors import Position, Problem
from reconciler.kinds import ADMIN_ROLE, DEFAULT_PROJECT, OBJECT_KINDS, SINGLE_PROJECT_KINDS

SINGULAR: Final = {
    "queues": "queue",
    "call_scripts": "call script",
    "auto_dialers": "auto-dialer",
    "crm_forms": "CRM form",
}


def check_rules(
    documents: Sequence[LoadedDocument],
    *,
    references_complete: bool = True,
    broken: Sequence[ObjectClaims] = (),
) -> list[Problem]:
    """Every static-rule problem of ``documents``. With ``references_complete`` false
    (some file failed to parse) references to undeclared projects are not reported.
    ``broken`` are the claims of Project documents that failed validation (see
    :func:`raw_claims`): they take part in the single-project rule."""
    projects = [d for d in documents if isinstance(d.model, Project)]
    problems = _duplicate_entries(documents)
    problems += _unique_names(documents)
    problems += _previous_names(projects)
    problems += _single_project(projects, broken)
    problems += _company(documents, projects)
    problems += _roles(documents)
    problems += _policies(documents, projects, references_complete)
    problems += review_problems(documents, projects, references_complete)
    problems += _default_project(documents, projects)
    return problems


def _lists_of(model: Model) -> list[tuple[tuple[str, ...], list[str]]]:
    if isinstance(model, Project):
        members, objects = model.members, model.objects
        return [
            (("previous_names",), model.previous_names),
            (("members", "users"), members.logins),
            (("members", "groups"), members.group_names),
            *[(("objects", kind), getattr(objects, kind)) for kind in OBJECT_KINDS],
        ]
    if isinstance(model, Role):
        return [(("permissions",), list(model.permissions)), (("users",), model.logins)]
    if isinstance(model, Policy):
        return [(("isolate",), model.isolate)]
    if isinstance(model, Review):
        return [(("projects",), model.projects), (("roles",), model.roles)]
    return []


def _duplicate_entries(documents: Sequence[LoadedDocument]) -> list[Problem]:
    problems: list[Problem] = []
    for document in documents:
        if _all_distinct(document.model):
            continue
        for path, items in _lists_of(document.model):
            problems += _duplicates_in(document.source, path, items)
    return problems


def _all_distinct(model: Model) -> bool:
    """Whether no name repeats among all of a document's lists together: then no list
    has a duplicate entry (nearly every document; one set per document is cheap)."""
    if isinstance(model, Project):
        members = model.members
        every = [*model.previous_names, *members.logins, *members.group_names]
        for kind in OBJECT_KINDS:
            every += getattr(model.objects, kind)
    else:
        every = [item for _, items in _lists_of(model) for item in items]
    return len(set(every)) == len(every)


#: The lists of each kind whose entries must be unique.
LIST_PATHS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "Project": (
        ("previous_names",),
        ("members", "users"),
        ("members", "groups"),
        *(("objects", kind) for kind in OBJECT_KINDS),
    ),
    "Role": (("permissions",), ("users",)),
    "Policy": (("isolate",),),
    "Review": (("projects",), ("roles",)),
}


def duplicate_entries_raw(value: dict[str, object], source: SourceDocument) -> list[Problem]:
    """Duplicate list entries of a document that failed schema validation (so a broken
    document still reports them); valid documents get the same check in ``check_rules``."""
    problems: list[Problem] = []
    for path in LIST_PATHS.get(str(value.get("kind")), ()):
        current: object = value
        for key in path:
            current = current.get(key) if isinstance(current, dict) else None
        if isinstance(current, list):
            hashable = [_raw_entry(item) for item in current]
            problems += _duplicates_in(source, path, hashable)
    return problems


def _raw_entry(item: object) -> object:
    """A raw list entry as compared for duplicates: the value, or a ``{login|name: ...}``
    mapping's name; ``None`` (not compared) for anything else."""
    if isinstance(item, dict):
        item = item.get("login", item.get("name"))
    return item if isinstance(item, str | int | float | bool) else None


def _duplicates_in(
    source: SourceDocument, path: tuple[str, ...], items: Sequence[object]
) -> list[Problem]:
    if len(set(items)) == len(items):
        return []
    problems = []
    first: dict[object, int] = {}
    for index, item in enumerate(items):
        if item is None:
            continue
        if item not in first:
            first[item] = index
            continue
        earlier = source.position((*path, first[item]))
        problems.append(
            Problem(
                source.position((*path, index)),
                f"duplicate entry '{item}' in {label(path)} (first at line {earlier.line})",
                code="duplicate",
            )
        )
    return problems


def _unique_names(documents: Sequence[LoadedDocument]) -> Iterator[Problem]:
    seen: dict[tuple[str, str | None], LoadedDocument] = {}
    for document in documents:
        if isinstance(document.model, Review):
            continue  # any number of reviews, of the same projects too
        key = (document.kind, document.name)
        if key not in seen:
            seen[key] = document
            continue
        if document.name is None:
            place = document.position()
            first = _ref(place, seen[key].position())
            message = f"more than one Company document (the first is at {first})"
            yield Problem(place, message, code="duplicate")
        else:
            place = document.position(("name",))
            yield Problem(
                place,
                f"{document.kind} '{document.name}' is declared twice "
                f"(first at {_ref(place, seen[key].position(('name',)))})",
                code="duplicate",
            )


def _previous_names(projects: Sequence[LoadedDocument]) -> Iterator[Problem]:
    by_name = {d.name: d for d in reversed(projects)}
    claimed: dict[str, LoadedDocument] = {}
    for document in projects:
        for index, old in enumerate(_project(document).previous_names):
            place = document.position(("previous_names", index))
            if old == document.name:
                yield Problem(place, f"project '{old}' lists its own name in previous_names")
            elif old in by_name:
                other = by_name[old]
                yield Problem(
                    place,
                    f"previous name '{old}' of project '{document.name}' is the name of "
                    f"another project ({_ref(place, other.position(('name',)))}); "
                    "a name cannot be both",
                )
            elif old in claimed and claimed[old] is not document:
                yield Problem(
                    place,
                    f"previous name '{old}' is also claimed by project '{claimed[old].name}' "
                    f"({_ref(place, claimed[old].item_position(('previous_names',), old))}); "
                    "a rename needs one successor",
                )
            claimed.setdefault(old, document)


@dataclass(frozen=True, slots=True)
class ObjectClaims:
    """The single-project objects one Project document lists, and where it is."""

    project: str
    source: SourceDocument
    objects: dict[str, list[str]]


def _single_project(
    projects: Sequence[LoadedDocument], broken: Sequence[ObjectClaims]
) -> list[Problem]:
    """An object of a single-project kind listed in two projects. Each kind is first
    checked over all projects at once: only a kind with a repeated name is walked."""
    claims: list[ObjectClaims] | None = None
    problems: list[Problem] = []
    for kind in SINGLE_PROJECT_KINDS:
        listed = [name for d in projects for name in getattr(_project(d).objects, kind)]
        listed += [name for claim in broken for name in claim.objects.get(kind, ())]
        if len(set(listed)) == len(listed):
            continue
        if claims is None:
            claims = sorted(
                [*map(_claims, projects), *broken], key=lambda c: (c.source.path, c.source.index)
            )
        problems += _held_twice(kind, claims)
    return problems


def _claims(document: LoadedDocument) -> ObjectClaims:
    project = _project(document)
    lists = {kind: getattr(project.objects, kind) for kind in SINGLE_PROJECT_KINDS}
    return ObjectClaims(project.name, document.source, lists)


def raw_claims(value: dict[str, object], source: SourceDocument) -> ObjectClaims | None:
    """The claims of a Project document that failed schema validation, so that its
    conflicts with other projects are reported in the same run (strings only)."""
    name, objects = value.get("name"), value.get("objects")
    if value.get("kind") != "Project" or not isinstance(name, str):
        return None
    if not isinstance(objects, dict):
        return None
    lists = {
        kind: [item if isinstance(item, str) else "" for item in items]
        for kind in SINGLE_PROJECT_KINDS
        if isinstance(items := objects.get(kind), list)
    }
    return ObjectClaims(name, source, lists)


def _held_twice(kind: str, claims: Sequence[ObjectClaims]) -> Iterator[Problem]:
    holder: dict[str, tuple[ObjectClaims, int]] = {}
    for claim in claims:
        for index, name in enumerate(claim.objects.get(kind, ())):
            if not name:
                continue
            first, at = holder.setdefault(name, (claim, index))
            if first is claim:
                continue
            singular = SINGULAR[kind]
            place = claim.source.position(("objects", kind, index))
            there = _ref(place, first.source.position(("objects", kind, at)))
            yield Problem(
                place,
                f"{singular} '{name}' is already in project '{first.project}' "
                f"({there}); a {singular} "
                "belongs to one project at most",
                code="single_project",
            )


def _company(
    documents: Sequence[LoadedDocument], projects: Sequence[LoadedDocument]
) -> Iterator[Problem]:
    company = next((d for d in documents if isinstance(d.model, Company)), None)
    if company is None or _company_model(company).security_type != "simple" or not projects:
        return
    place = company.position(("security_type",))
    yield Problem(
        place,
        f"security_type is 'simple' (no projects), but {len(projects)} Project document(s) "
        f"are declared (first at {_ref(place, projects[0].position(('name',)))}); "
        "use security_type: advanced or remove them",
    )


def _roles(documents: Sequence[LoadedDocument]) -> Iterator[Problem]:
    for document in documents:
        role = document.model
        if not isinstance(role, Role):
            continue
        if role.name == ADMIN_ROLE and role.permissions:
            yield Problem(
                document.position(("permissions",)),
                "the built-in role Admin has every permission and cannot be edited; "
                "remove 'permissions' and only list its holders under 'users'",
                code="builtin_role",
            )
        elif role.name != ADMIN_ROLE and role.name.casefold() == ADMIN_ROLE.casefold():
            yield Problem(
                document.position(("name",)),
                f"role '{role.name}' is named like the built-in role '{ADMIN_ROLE}'; "
                f"use '{ADMIN_ROLE}' to list its holders, or choose another name",
                code="builtin_role",
            )


def _policies(
    documents: Sequence[LoadedDocument],
    projects: Sequence[LoadedDocument],
    references_complete: bool,
) -> Iterator[Problem]:
    declared = {d.name: d for d in reversed(projects) if d.name is not None}
    names = sorted(declared)
    for document in documents:
        policy = document.model
        if not isinstance(policy, Policy):
            continue
        for index, project in enumerate(policy.isolate):
            if references_complete and project not in declared:
                yield Problem(
                    document.position(("isolate", index)),
                    f"policy '{policy.name}' isolates project '{project}', which no Project "
                    "document declares" + did_you_mean(project, names),
                    code="unknown_reference",
                )
        isolated = [declared[p] for p in dict.fromkeys(policy.isolate) if p in declared]
        yield from _isolation(policy.name, isolated)


def _isolation(policy: str, isolated: Sequence[LoadedDocument]) -> Iterator[Problem]:
    """Users and groups listed directly in two projects that a policy isolates."""
    for group in (False, True):
        path = ("members", "groups" if group else "users")
        first: dict[str, LoadedDocument] = {}
        for document in isolated:
            members = _project(document).members
            for member in dict.fromkeys(members.group_names if group else members.logins):
                holder = first.setdefault(member, document)
                if holder is document:
                    continue
                place = document.item_position(path, member)
                there = _ref(place, holder.item_position(path, member))
                yield Problem(
                    place,
                    f"{'group' if group else 'user'} '{member}' is a member of project "
                    f"'{holder.name}' ({there}) and of project "
                    f"'{document.name}', which policy '{policy}' isolates from each other",
                    code="policy",
                )


def _default_project(
    documents: Sequence[LoadedDocument], projects: Sequence[LoadedDocument]
) -> Iterator[Problem]:
    company = next((d.model for d in documents if isinstance(d.model, Company)), None)
    default = company.default_project.name if company else DEFAULT_PROJECT
    if company is not None and not company.default_project.remove_placed_members:
        return
    default_doc = next((d for d in projects if d.name == default), None)
    if default_doc is None:
        return
    for group in (False, True):
        path = ("members", "groups" if group else "users")
        listed = set(_members(default_doc, group))
        placed: dict[str, LoadedDocument] = {}  # the first other project of each
        for document in projects if listed else ():
            members = _members(document, group)
            if document is not default_doc and not listed.isdisjoint(members):
                for member in listed.intersection(members):
                    placed.setdefault(member, document)
        for index, member in enumerate(_members(default_doc, group)):
            other = placed.get(member)
            if other is None:
                continue
            place = default_doc.position((*path, index))
            there = _ref(place, other.item_position(path, member))
            yield Problem(
                place,
                f"{'group' if group else 'user'} '{member}' is listed in '{default}' and in "
                f"project '{other.name}' ({there}), but "
                "default_project.remove_placed_members is true, so it would be removed from "
                f"'{default}'; drop it here or set remove_placed_members: false",
                code="default_project",
            )


def _members(document: LoadedDocument, group: bool) -> list[str]:
    members = _project(document).members
    return members.group_names if group else members.logins


def _project(document: LoadedDocument) -> Project:
    assert isinstance(document.model, Project)
    return document.model


def _company_model(document: LoadedDocument) -> Company:
    assert isinstance(document.model, Company)
    return document.model


def _ref(here: Position, there: Position) -> str:
    """``there`` as seen from ``here``: ``line N`` in the same file, else ``path:line:col``."""
    return f"line {there.line}" if there.path == here.path else str(there)
