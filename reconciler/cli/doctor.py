"""``reconciler doctor``: the read-only check a user runs first against a real account."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from reconciler.capabilities import Capabilities
from reconciler.cli.options import format_option, no_color_option, target_options
from reconciler.cli.output import fail
from reconciler.engine.session import run_async
from reconciler.engine.targets import open_target, resolve_token
from reconciler.errors import ReconcilerError, printable, printable_lines
from reconciler.kinds import OBJECT_KINDS
from reconciler.live.probe import Check
from reconciler.live.protocol import Identity
from reconciler.plan.saved import redact_target


@dataclass(frozen=True, slots=True)
class Diagnosis:
    target: str
    capabilities: Capabilities
    checks: list[Check]
    identity: Identity | None
    identity_error: str | None

    @property
    def reads_ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def can_plan(self) -> bool:
        me = self.identity
        return self.reads_ok and me is not None and (me.is_admin or me.has("view_all"))

    @property
    def can_apply(self) -> bool:
        me = self.identity
        return self.can_plan and me is not None and me.is_admin


async def _diagnose(target: str, token_file: Path | None) -> Diagnosis:
    token = resolve_token(token_file, target)
    async with open_target(target, token=token) as live:
        checks = await live.diagnose()
        identity, error = None, None
        try:
            identity = await live.whoami()
        except ReconcilerError as exc:
            error = str(exc)
        return Diagnosis(redact_target(target), live.capabilities, checks, identity, error)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def guarantees(can: Capabilities) -> list[str]:
    """What a target promises, as README's target table states it."""
    missing = [k for k in OBJECT_KINDS if k not in can.object_kinds]
    return [
        f"project versions (a concurrent edit is never overwritten): {_yes(can.versions)}"
        + ("" if can.versions else "; apply re-reads each list just before replacing it"),
        f"groups as project members: {_yes(can.group_members)}"
        + ("" if can.group_members else "; a group in the files means its current users"),
        f"a queue, call script, auto-dialer or CRM form moves in one step: "
        f"{_yes(can.atomic_moves)}",
        f"a change log (drift says who changed what): {_yes(can.change_log)}",
        "writes: "
        + ("whole lists, one per project and type" if can.whole_list_writes else "changes only"),
        f"changing the security type: {_yes(can.security_type_writes)}",
        "object kinds: every kind"
        if not missing
        else f"object kinds: all but {', '.join(missing)}",
        "reading members and objects: "
        + ("one request per project" if can.reads_per_project else "a few paginated requests"),
    ]


def render_text(found: Diagnosis) -> str:
    lines = [f"reconciler doctor: {printable(found.target)} ({found.capabilities.label})"]
    if found.identity is not None:
        me = found.identity
        rights = "Admin" if me.is_admin else ", ".join(sorted(me.permissions)) or "no permission"
        lines.append(f"Signed in as {printable(me.login)} ({rights})")
    else:
        lines.append(f"Not signed in: {printable(str(found.identity_error))}")
    lines += ["", "Routes:", *(c.line() for c in found.checks)]
    lines += [
        "",
        "What this target guarantees:",
        *(f"  - {g}" for g in guarantees(found.capabilities)),
    ]
    assumed = sum(1 for c in found.checks if c.status == "skip" and c.assumed)
    lines += ["", _verdict(found, assumed)]
    return printable_lines("\n".join(lines)) + "\n"


def _verdict(found: Diagnosis, assumed: int) -> str:
    if not found.reads_ok:
        bad = sum(1 for c in found.checks if c.status == "fail")
        return (
            f"Verdict: {bad} route(s) did not answer as expected (FAIL above): plan and "
            "apply cannot work until the adapter matches; paste this output into a bug report"
        )
    if not found.can_plan:
        return (
            "Verdict: the routes answer, but this user may not read everything (Admin or view_all)"
        )
    if not found.can_apply:
        return "Verdict: plan works; apply needs a user holding Admin"
    unproven = f" ({assumed} assumed)" if assumed else ""
    return (
        "Verdict: plan and apply can work. Write routes are not tried by doctor"
        f"{unproven}: the first apply is their test"
    )


def render_json(found: Diagnosis) -> str:
    data = {
        "target": found.target,
        "api": found.capabilities.label,
        "identity": None
        if found.identity is None
        else {
            "login": found.identity.login,
            "is_admin": found.identity.is_admin,
            "permissions": sorted(found.identity.permissions),
        },
        "identity_error": found.identity_error,
        "checks": [asdict(c) for c in found.checks],
        "guarantees": guarantees(found.capabilities),
        "can_plan": found.can_plan,
        "can_apply": found.can_apply,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@click.command("doctor")
@target_options
@format_option("text", "json")
@no_color_option
def doctor_command(
    *, target: str, token_file: Path | None, output_format: str, no_color: bool
) -> None:
    """Check a target before planning against it: read only, nothing is written.

    Signs in, reads each route of the target's API once, validates every answer, and
    prints what works, what does not (with the part of the answer that did not match,
    secrets removed), and what the target guarantees. Exit 0 only when plan and apply
    can work; 1 otherwise. Paste its output into a bug report.
    """
    del no_color  # this output has no colour; the option is accepted as everywhere
    try:
        found = run_async(_diagnose(target, token_file))
    except ReconcilerError as exc:
        fail(exc)
    click.echo((render_json if output_format == "json" else render_text)(found), nl=False)
    raise SystemExit(0 if found.can_apply else 1)
