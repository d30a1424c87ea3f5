"""The glue every planning command shares: files + target -> an open client and a Plan.

``plan``, ``apply`` and ``drift`` all do the same first steps, in an order that fails
cheaply: load and validate ``projects.d/`` (no network when the files are wrong),
resolve the target and its token, open the client, check with ``whoami`` that the
token may read the whole company, fetch the live Snapshot, and plan::

    async with open_session(options) as session:     # apply: keeps the client open
        result = await execute(session.planned.plan, session.client, ...)

    planned = run_plan(options)                      # plan, drift: a finished Plan

``reconciler.cli.output.fail`` turns any ``ReconcilerError`` into a message on stderr
and an exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from reconciler.audit.log import DEFAULT_LOG_PATH
from reconciler.capabilities import FULL, Capabilities
from reconciler.engine.declared import load_declared
from reconciler.engine.kept_sets import KeptSets, fingerprints_of
from reconciler.engine.targets import open_target, resolve_token
from reconciler.errors import printable, printable_lines
from reconciler.gcpause import paused_gc
from reconciler.live.permissions import check_permissions
from reconciler.live.protocol import Identity, LiveSystem
from reconciler.plan.deletes import deletes_projects
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan as make_plan
from reconciler.plan.saved import redact_target
from reconciler.plan.settings import PlanSettings
from reconciler.state.desired import Desired
from reconciler.state.snapshot import Snapshot, shared

Notice = Callable[[str], None]
T = TypeVar("T")


def stderr_notice(message: str) -> None:
    """Progress and notices go to stderr, so stdout holds only the rendering."""
    print(printable_lines(message), file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What the command line decides about a plan (files and target, thresholds)."""

    config_dir: Path
    target: str
    token_file: Path | None = None
    use_cache: bool = True
    allow_mass_change: bool = False
    max_remove_share: float | None = None
    max_delete_share: float | None = None
    #: the audit log whose last successful apply says which projects were protected
    audit_log: Path = DEFAULT_LOG_PATH
    allow_delete: frozenset[str] = frozenset()
    #: the moment planned for (``--now``); ``None``: the clock, read in ``plan_settings``
    now: datetime | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan and everything it was made from."""

    plan: Plan
    live: Snapshot
    desired: Desired
    settings: PlanSettings
    identity: Identity
    files_digest: str
    target_label: str


@dataclass(frozen=True, slots=True)
class Session:
    """An open client and the plan made through it (for ``apply``)."""

    client: LiveSystem
    planned: Planned


def plan_settings(
    desired: Desired,
    options: PlanOptions,
    identity: Identity,
    capabilities: Capabilities = FULL,
) -> PlanSettings:
    """The files' settings, with the command line's thresholds, the token's user, what
    the target can do, and the UTC day planned for (``--now``, else the clock)."""
    settings = replace(
        desired.settings,
        today=today(options),
        allow_mass_change=options.allow_mass_change,
        token_user=identity.login,
        allow_delete=options.allow_delete,
        capabilities=capabilities,
    )
    if options.max_remove_share is not None:
        settings = replace(settings, max_remove_share=options.max_remove_share)
    if options.max_delete_share is not None:
        settings = replace(settings, max_delete_share=options.max_delete_share)
    return settings


def today(options: PlanOptions) -> date:
    """The UTC day a command plans for: ``--now``'s, else today's."""
    return (options.now or datetime.now(UTC)).astimezone(UTC).date()


@asynccontextmanager
async def open_client(
    target: str, token_file: Path | None, *, notice: Notice = stderr_notice
) -> AsyncIterator[tuple[LiveSystem, Identity]]:
    """A client for ``target`` whose token may read the whole company."""
    token = resolve_token(token_file, target)
    async with open_target(target, token=token, notice=notice) as opened:
        client: LiveSystem = opened
        identity = await client.whoami()
        check_permissions(identity)
        yield client, identity


@asynccontextmanager
async def open_session(
    options: PlanOptions,
    *,
    notice: Notice = stderr_notice,
    guard: AbstractContextManager[object] | None = None,
) -> AsyncIterator[Session]:
    """Load the files, open the target, fetch live, plan; the client stays open inside.

    ``guard`` (``apply``'s lock) is entered once the files are loaded, before anything
    is read from or written to the target, and held until the session closes. The cyclic
    garbage collector is paused until the plan is made (see ``gcpause``)."""
    async with AsyncExitStack() as stack:
        with paused_gc():
            declared = load_declared(options.config_dir, use_cache=options.use_cache)
            documents, files_digest = declared.documents, declared.files_digest
            desired, kept = declared.desired, declared.sets
            del declared
            if guard is not None:
                stack.enter_context(guard)
            label = redact_target(options.target)
            client, identity = await stack.enter_async_context(
                open_client(options.target, options.token_file, notice=notice)
            )
            # what the files and live agree on is held once (see ``shared``)
            live = await client.fetch_snapshot(like=desired.snapshot)
            desired = replace(desired, snapshot=shared(desired.snapshot, live))
            # one line: the directory, the target and the login are escaped, not split
            notice(
                f"Planning {documents} documents from {printable(str(options.config_dir))} "
                f"against {printable(label)} ({len(live.projects)} live "
                f"project{'' if len(live.projects) == 1 else 's'}, as {printable(identity.login)})"
            )
            settings = plan_settings(desired, options, identity, client.capabilities)
            plan, settings = _plan(desired.snapshot, live, settings, options, label, kept=kept)
            planned = Planned(
                plan=plan,
                live=live,
                desired=desired,
                settings=settings,
                identity=identity,
                files_digest=files_digest,
                target_label=label,
            )
        yield Session(client, planned)


def _plan(
    desired: Snapshot,
    live: Snapshot,
    settings: PlanSettings,
    options: PlanOptions,
    label: str,
    *,
    kept: KeptSets | None = None,
) -> tuple[Plan, PlanSettings]:
    """The plan, and the settings it was made with. A plan that deletes projects is made
    again with the history of applies (the audit log and git), read only then. The
    fingerprints are made once, from the desired state's ``kept`` sets when there are."""
    fingerprinted = fingerprints_of(live, desired, kept)
    plan = make_plan(desired, live, settings, fingerprinted=fingerprinted)
    if not deletes_projects(plan):
        return plan, settings
    from reconciler.audit.history import applied_history  # noqa: PLC0415 -- reads files

    history = applied_history(
        options.config_dir, options.audit_log, label, use_cache=options.use_cache
    )
    settings = replace(settings, history=history)
    return make_plan(desired, live, settings, fingerprinted=fingerprinted), settings


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, without ``main``'s result becoming the result of a task.

    ``asyncio.run`` formats ``repr(main_task)`` (twice) when it puts the SIGINT handler
    back, and a finished task's repr holds the full repr of its result: for the plan of
    a 1,000-project company, 5 MB of text and ~0.17 s of ``reconciler plan``.
    """
    found: list[T] = []

    async def keep() -> None:
        found.append(await main)

    asyncio.run(keep())
    return found[0]


def run_plan(options: PlanOptions, *, notice: Notice = stderr_notice) -> Planned:
    """``open_session`` to completion: the finished plan (the client is closed)."""

    async def go() -> Planned:
        async with open_session(options, notice=notice) as session:
            return session.planned

    return run_async(go())
