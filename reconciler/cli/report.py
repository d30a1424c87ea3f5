"""``reconciler report access``: what can a user see, and who can see an object (and why).

``--state live`` answers for the platform as it is; ``--state desired`` for the state
apply would produce (the files merged over live, as the planner resolves it: group
membership and everything undeclared come from live).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from reconciler.cli.options import (
    config_dir_option,
    format_option,
    no_cache_option,
    now_option,
    project_option,
    state_option,
    target_options,
)
from reconciler.cli.output import fail
from reconciler.cli.report_isolation import isolation_command
from reconciler.cli.report_state import in_state, read_states
from reconciler.closenames import did_you_mean
from reconciler.engine.declared import load_declared
from reconciler.engine.session import PlanOptions, run_async, today
from reconciler.errors import ReconcilerError, UsageError
from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS
from reconciler.plan.access import EVERYTHING, VIEW_ALL, what_can_see, who_can_see
from reconciler.plan.expiry import expiry_label
from reconciler.render.describe import clean
from reconciler.render.selection import Selection, selection
from reconciler.report.company_graph import company_graph, to_dot, to_mermaid
from reconciler.state.desired import Desired
from reconciler.state.snapshot import ObjectRef, Snapshot


@click.group("report")
def report_group() -> None:
    """Answer who-sees-what questions about the live or the desired state."""


@report_group.command("access")
@click.option("--user", "login", metavar="LOGIN", help="What can this user see?")
@click.option("--object", "object_ref", metavar="KIND/NAME", help="Who can see this object?")
@state_option
@format_option("text", "json", "mermaid", "dot")
@project_option
@config_dir_option
@target_options
@no_cache_option
@now_option
def access_command(
    *,
    login: str | None,
    object_ref: str | None,
    state: str,
    output_format: str,
    projects: tuple[str, ...],
    config_dir: Path,
    target: str,
    token_file: Path | None,
    no_cache: bool,
    now: datetime | None,
) -> None:
    """What can --user LOGIN see (objects by kind and project), or who can see
    --object KIND/NAME (users, and why: Admin, view_all, or a project directly or
    through a group). Exactly one of --user and --object, in text or json. Membership the
    files grant until a date says when it expires (as of --now, else today).

    --format mermaid or dot draws the whole company instead: projects with their
    objects by kind, groups, users (a count per project when there are more than 40),
    who sees everything, and each Policy's isolated projects. --project narrows what is
    shown (the rest of a --user answer is counted)."""
    picture = output_format in ("mermaid", "dot")
    if picture and (login is not None or object_ref is not None):
        raise click.UsageError("--format mermaid and dot draw the company: no --user or --object")
    if not picture and (login is None) == (object_ref is None):
        raise click.UsageError("give exactly one of --user LOGIN and --object KIND/NAME")
    options = PlanOptions(
        config_dir=config_dir, target=target, token_file=token_file, use_cache=not no_cache, now=now
    )
    chosen = selection(projects)
    if picture:
        _draw(options, state, output_format, chosen)
        return
    try:
        states = run_async(read_states(options, state, need_files=False))
        snapshot = states.shown
        if chosen is not None:
            chosen.check(snapshot.projects, in_state(state))
        note = expiry_note(options, required=state == "desired", desired=states.desired)
        if login is not None:
            data = user_report(snapshot, login, note)
        else:
            data = object_report(snapshot, parse_object(snapshot, str(object_ref)), note, chosen)

    except ReconcilerError as exc:
        fail(exc)
    data = {"state": state, **data}
    if chosen is not None and login is not None:
        data = narrow_user(data, chosen)
    if output_format == "json":
        click.echo(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(data), nl=False)


def _draw(options: PlanOptions, state: str, output_format: str, chosen: Selection | None) -> None:
    """The company as mermaid or dot; the policies come from the files."""
    try:
        states = run_async(read_states(options, state, need_files=True))
        if chosen is not None:
            chosen.check(states.shown.projects, in_state(state))
    except ReconcilerError as exc:
        fail(exc)
    policies = states.desired.settings.policies if states.desired is not None else ()
    graph = company_graph(states.shown, policies, chosen)
    click.echo(to_mermaid(graph) if output_format == "mermaid" else to_dot(graph), nl=False)


def narrow_user(data: dict[str, Any], chosen: Selection) -> dict[str, Any]:
    """A ``--user`` answer with only the selected projects' part, the objects of the
    others counted in ``not_shown``."""
    objects = [o for o in data["objects"] if any(map(chosen.matches, o["projects"]))]
    projects = {p: how for p, how in data["projects"].items() if chosen.matches(p)}
    hidden = len(data["objects"]) - len(objects)
    return {**data, "objects": objects, "projects": projects, "not_shown": hidden}


#: ``(project, user, how) -> how`` with anything to add (when the access expires).
Note = Callable[[str, str, str], str]


def expiry_note(
    options: PlanOptions, *, required: bool, desired: Desired | None = None
) -> Note | None:
    """Where the files grant access until a date, ``directly; expires in 30 days
    (2026-12-31)``. From ``desired`` when the files were read already, else read here
    when they exist (needed for ``--state desired``; for ``live``, files that do not load
    only lose these words, with a note)."""
    if desired is None:
        if not required and not options.config_dir.is_dir():
            return None
        try:
            desired = load_declared(options.config_dir, use_cache=options.use_cache).desired
        except ReconcilerError:
            if required:
                raise
            shown = clean(str(options.config_dir))
            message = f"note: {shown} does not load: expiry dates not shown"
            click.echo(message, err=True)
            return None
    expiries, day = desired.settings.expiries, today(options)

    def note(project: str, user: str, how: str) -> str:
        key = ("project", project, "users", user)
        if how.startswith("via group "):
            key = ("project", project, "groups", how.removeprefix("via group "))
        found = expiry_label(key, expiries, day)
        return f"{how}; {found}" if found else how

    return note


def parse_object(snapshot: Snapshot, text: str) -> ObjectRef:
    """``KIND/NAME`` -> an object of ``snapshot``; ``UsageError`` with suggestions."""
    kind, sep, name = text.partition("/")
    if not sep or not name:
        raise UsageError(
            f"--object wants KIND/NAME (e.g. call_scripts/Bank IVR), not {clean(text)!r}"
        )
    if kind not in OBJECT_KINDS:
        raise UsageError(
            f"unknown object kind {clean(kind)!r}{did_you_mean(kind, OBJECT_KINDS)} "
            f"(kinds: {', '.join(OBJECT_KINDS)})"
        )
    if (kind, name) not in snapshot.objects:
        names = [n for k, n in snapshot.objects if k == kind]
        raise UsageError(f"no {kind} named {clean(name)!r}{did_you_mean(name, names)}")
    return (kind, name)


@dataclass(frozen=True, slots=True)
class _Grants:
    """Why users see things in one snapshot: roles, and project membership."""

    everything: dict[str, list[str]]
    projects: dict[str, dict[str, list[str]]]  # user -> project -> ["directly", "via group g"]


def _grants(snapshot: Snapshot, note: Note | None = None) -> _Grants:
    everything: dict[str, list[str]] = {}
    for role in sorted(snapshot.roles.values(), key=lambda r: r.name):
        if role.builtin or role.name == ADMIN_ROLE:
            why = f"{ADMIN_ROLE} role"
        elif VIEW_ALL in role.permissions:
            why = f"role {role.name} ({VIEW_ALL})"
        else:
            continue
        for user in role.users:
            everything.setdefault(user, []).append(why)
    projects: dict[str, dict[str, list[str]]] = {}

    def grant(user: str, name: str, how: str) -> None:
        projects.setdefault(user, {}).setdefault(name, []).append(
            note(name, user, how) if note else how
        )

    for name, project in sorted(snapshot.projects.items()):
        for user in project.users:
            grant(user, name, "directly")
        for group in sorted(project.groups):
            for user in snapshot.groups.get(group, frozenset()):
                grant(user, name, f"via group {group}")
    return _Grants(everything, projects)


def user_report(snapshot: Snapshot, login: str, note: Note | None = None) -> dict[str, Any]:
    """What ``login`` sees, by kind, with the projects (and how) that grant it."""
    if login not in snapshot.users:
        raise UsageError(f"no user {clean(login)!r}{did_you_mean(login, snapshot.users)}")
    grants = _grants(snapshot, note)
    sights = what_can_see(snapshot, login)
    objects: dict[tuple[str, str], list[str]] = {}
    for sight in sights:
        if sight != EVERYTHING:
            objects.setdefault((sight.kind, sight.object), []).append(sight.project)
    return {
        "user": login,
        "sees_everything": EVERYTHING in sights,
        "because": grants.everything.get(login, []),
        "projects": {p: how for p, how in sorted(grants.projects.get(login, {}).items())},
        "objects": [
            {"kind": kind, "object": name, "projects": sorted(projects)}
            for (kind, name), projects in sorted(objects.items(), key=_kind_order)
        ],
    }


def object_report(
    snapshot: Snapshot, ref: ObjectRef, note: Note | None = None, chosen: Selection | None = None
) -> dict[str, Any]:
    """Who sees ``ref``, each with every reason. With ``chosen``, only the reasons through
    the selected projects (and who sees everything); the users left without one are
    counted in ``not_shown``."""
    grants = _grants(snapshot, note)
    holders = sorted(name for name, p in snapshot.projects.items() if ref in p.objects)
    through = holders if chosen is None else [p for p in holders if chosen.matches(p)]
    users, hidden = [], 0
    for user in who_can_see(snapshot, *ref):
        because = list(grants.everything.get(user, []))
        for project in through:
            because += [
                f"project {project} {how}" for how in grants.projects.get(user, {}).get(project, [])
            ]
        if because:
            users.append({"user": user, "because": because})
        else:
            hidden += 1
    data = {"object": {"kind": ref[0], "name": ref[1]}, "projects": holders, "users": users}
    return data if chosen is None else {**data, "not_shown": hidden}


def _kind_order(item: tuple[tuple[str, str], list[str]]) -> tuple[int, str]:
    kind, name = item[0]
    return (OBJECT_KINDS.index(kind) if kind in OBJECT_KINDS else len(OBJECT_KINDS), name)


def _text(data: dict[str, Any]) -> str:
    lines = _user_text(data) if "user" in data else _object_text(data)
    if "not_shown" in data:
        count = data["not_shown"]
        rest = (
            f"{count} object{'s' * (count != 1)} of other projects"
            if "user" in data
            else f"{count} user{'s' * (count != 1)} who see it through other projects"
        )
        lines.append(f"(--project: {rest} not shown)")
    return "\n".join(lines) + "\n"


def _user_text(data: dict[str, Any]) -> list[str]:
    user = clean(data["user"])
    if data["sees_everything"]:
        reasons = ", ".join(clean(r) for r in data["because"])
        return [f"{user} sees everything ({data['state']} state): {reasons}."]
    shown = len(data["objects"])
    lines = [f"{user} sees {shown + data.get('not_shown', 0)} objects ({data['state']} state)."]
    if "not_shown" in data:
        lines[0] = f"{lines[0][:-1]}, {shown} in the projects shown."
    if data["projects"]:
        lines.append("Projects:")
        for project, how in data["projects"].items():
            lines.append(f"  {clean(project)} ({', '.join(clean(h) for h in how)})")
    kind = None
    for item in data["objects"]:
        if item["kind"] != kind:
            kind = item["kind"]
            lines.append(f"{clean(kind)}:")
        where = ", ".join(clean(p) for p in item["projects"])
        lines.append(f"  {clean(item['object'])} (project {where})")
    return lines


def _object_text(data: dict[str, Any]) -> list[str]:
    obj = data["object"]
    label = f"{clean(obj['kind'])}/{clean(obj['name'])}"
    where = ", ".join(clean(p) for p in data["projects"]) or "no project"
    seen_by = len(data["users"]) + data.get("not_shown", 0)
    lines = [f"{seen_by} users see {label} ({data['state']} state; in {where}):"]
    for item in data["users"]:
        lines.append(f"  {clean(item['user'])}: {'; '.join(clean(b) for b in item['because'])}")
    return lines


report_group.add_command(isolation_command)
