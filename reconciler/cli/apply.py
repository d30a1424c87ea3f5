"""``reconciler apply``: make the live target equal to projects.d/, with an audit record."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from reconciler.apply.executor import ApplyResult, ChangeOutcome, Progress, Status, Stop
from reconciler.apply.lock import apply_lock
from reconciler.apply.reviewed import ReviewedPlanStaleError, choose_plan
from reconciler.apply.run import Applied, Provenance, apply_plan, note_on_commit, provenance
from reconciler.audit import AuditLog
from reconciler.audit.history import applied_already
from reconciler.cli.options import (
    Number,
    allow_delete_option,
    audit_log_option,
    config_dir_option,
    no_cache_option,
    no_color_option,
    now_option,
    target_options,
    threshold_options,
)
from reconciler.cli.output import fail, use_color
from reconciler.engine.session import Planned, PlanOptions, Session, open_session
from reconciler.engine.targets import lock_key
from reconciler.errors import (
    ApplyCancelledError,
    ApplyError,
    ApprovalRequiredError,
    ReconcilerError,
    UsageError,
)
from reconciler.fsutil import write_text_atomic
from reconciler.live.permissions import check_permissions
from reconciler.plan.model import Plan
from reconciler.plan.saved import SavedPlan, load_saved_plan, redact_target
from reconciler.plan.sensitive import sensitive_changes
from reconciler.render import render
from reconciler.render.describe import clean, describe
from reconciler.render.difference import render_difference_markdown


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    auto_approve: bool
    audit_log: Path
    concurrency: int
    git_notes: bool
    color: bool
    #: a saved plan made stale: apply the plan made now when it only drops reviewed changes
    replan_if_subset: bool = False
    #: a saved plan made stale: write the difference here, as markdown
    stale_report: Path | None = None
    #: stop before changes that need an approval (exit 3)
    hold_sensitive: bool = False


#: Not-started (or applied-by-other) changes listed one by one; the rest are counted.
NOT_STARTED_SHOWN = 20

#: Above this many changes a terminal gets a progress bar instead of one line per batch.
PROGRESS_BAR_MIN = 6

#: The signals that stop an apply gracefully; its exit code after each is 128 + n.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Statuses listed one by one in the report (when there are any).
LISTED: tuple[Status, ...] = ("applied_by_other", "failed", "unknown", "not_started")


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@config_dir_option
@target_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Apply even with uncommitted changes under the config directory (recorded).",
)
@audit_log_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Independent write batches in flight at once.",
)
@click.option(
    "--git-notes",
    is_flag=True,
    help="Attach the apply summary to the commit as a git note under refs/notes/reconciler.",
)
@click.option(
    "--lock-timeout",
    type=Number(0, 86_400),
    default=0,
    show_default=True,
    help="Seconds to wait while another apply against the same target (started from this "
    "directory) holds the lock; 0 refuses at once.",
)
@click.option(
    "--replan-if-subset",
    is_flag=True,
    help="With PLAN_FILE: when it is stale, apply the plan made now if it only drops "
    "changes of the saved one (nothing unreviewed); else refuse, showing the difference.",
)
@click.option(
    "--stale-report",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="With PLAN_FILE: when it is stale, also write the difference from the plan made "
    "now to this file, as markdown (for a pull-request comment).",
)
@click.option(
    "--hold-sensitive",
    is_flag=True,
    help="Stop before applying a plan that deletes projects, widens access to an "
    "isolation policy's projects or grants Admin or view_all: list them, exit 3, nothing "
    "applied (CI then applies in an environment that needs an approval).",
)
@threshold_options
@allow_delete_option
@no_color_option
@no_cache_option
@now_option
def apply_command(
    *,
    plan_file: Path | None,
    config_dir: Path,
    target: str,
    token_file: Path | None,
    auto_approve: bool,
    allow_dirty: bool,
    audit_log: Path,
    concurrency: int,
    git_notes: bool,
    lock_timeout: float,
    replan_if_subset: bool,
    stale_report: Path | None,
    hold_sensitive: bool,
    allow_mass_change: bool,
    max_remove_share: float | None,
    max_delete_share: float | None,
    allow_delete: tuple[str, ...],
    now: datetime | None,
    no_color: bool,
    no_cache: bool,
) -> None:
    """Apply the plan to the live target and record it in the audit log.

    Without PLAN_FILE: plan, show the plan, ask for `yes` on a terminal (or take
    --auto-approve), then apply. With PLAN_FILE (from `reconciler plan --out`): plan
    again and apply exactly that reviewed plan; refused, showing the difference field
    by field, when the file was altered, the target, the files under --config-dir or the
    live target changed since it was made, or the plan made now holds other changes
    (--replan-if-subset applies the plan made now when it only drops reviewed changes).

    Changes run phase by phase in the plan's order; every write carries the version it
    was planned against, so a concurrent edit fails as a conflict instead of being
    overwritten. On a failure no new work starts; the command lists what was applied,
    what failed and what did not start, and exits 1. `reconciler plan` then shows the
    remainder and another apply converges.

    One apply per target at a time: a second one (from this directory) is refused
    unless --lock-timeout lets it wait. SIGINT (Ctrl-C) or SIGTERM stops starting
    writes, lets those in flight finish, records the apply as interrupted and exits 130
    or 143; a second signal abandons the writes in flight (recorded unknown).
    """
    options = PlanOptions(
        config_dir=config_dir,
        target=target,
        token_file=token_file,
        use_cache=not no_cache,
        allow_mass_change=allow_mass_change,
        max_remove_share=max_remove_share,
        max_delete_share=max_delete_share,
        audit_log=audit_log,
        allow_delete=frozenset(allow_delete),
        now=now,
    )
    how = ApplyOptions(
        auto_approve,
        audit_log,
        concurrency,
        git_notes,
        use_color(no_color),
        replan_if_subset=replan_if_subset,
        stale_report=stale_report,
        hold_sensitive=hold_sensitive,
    )
    try:
        if plan_file is None and not auto_approve:
            _can_confirm()  # a usage error, before anything is read
        origin = provenance(config_dir, allow_dirty=allow_dirty)
        saved = load_saved_plan(plan_file) if plan_file is not None else None
        lock = apply_lock(redact_target(target), key=lock_key(target), wait=lock_timeout)
        code = asyncio.run(_apply(options, how, origin, saved, lock))
    except ReviewedPlanStaleError as exc:
        _stale(exc, how.stale_report)
    except ReconcilerError as exc:
        kept = isinstance(exc, UsageError | ApprovalRequiredError | ApplyCancelledError)
        fail(exc, exit_code=exc.exit_code if kept else 1)
    raise SystemExit(code)


async def _apply(
    options: PlanOptions,
    how: ApplyOptions,
    origin: Provenance,
    saved: SavedPlan | None,
    lock: AbstractContextManager[object],
) -> int:
    task = asyncio.current_task()
    assert task is not None
    with _Signals(task) as signals:
        try:
            return await _signalled(options, how, origin, saved, lock, signals=signals)
        except asyncio.CancelledError:
            if not signals.cancelled:
                raise
            task.uncancel()
            raise signals.cancellation() from None


async def _signalled(
    options: PlanOptions,
    how: ApplyOptions,
    origin: Provenance,
    saved: SavedPlan | None,
    lock: AbstractContextManager[object],
    *,
    signals: _Signals,
) -> int:
    async with open_session(options, guard=_waited(lock, signals)) as session:
        signals.check()
        plan = _chosen_plan(session, saved, options.target, how.replan_if_subset)
        click.echo(render(plan, "text", color=how.color), nl=False, color=how.color)
        if not plan.applicable:
            raise ApplyError(
                "the plan is not applicable (see the violations above); nothing applied"
            )
        if how.hold_sensitive:
            _hold(plan, session.planned)
        commit = None if origin.git.dirty else origin.git.commit
        if plan.empty and applied_already(how.audit_log, session.planned.target_label, commit):
            return 0  # a re-run of the last apply: nothing new to record
        check_permissions(session.planned.identity, plan.changes, need_write=True)
        if saved is None and not how.auto_approve and not plan.empty:
            with signals.blocking():
                _confirm()
        stop = signals.writing()  # from here, a signal stops the writes (``Stop``)
        with _progress(len(plan.changes)) as progress:
            applied = await apply_plan(
                plan,
                session.client,
                origin=origin,
                target_label=session.planned.target_label,
                audit=AuditLog(how.audit_log),
                concurrency=how.concurrency,
                progress=progress,
                stop=stop,
            )
    _report(applied, how.audit_log)
    if how.git_notes:
        warning = note_on_commit(options.config_dir, origin, applied)
        if warning:
            click.echo(f"warning: git note not attached: {clean(warning)}", err=True)
    if applied.result.ok:
        return 0
    if not applied.result.interrupted:
        return 1
    return 128 + signals.received[0] if signals.received else 128 + signal.SIGINT


class _Signals:
    """SIGINT and SIGTERM from the start of an apply to its end.

    The handler records each signal at once (it runs between two bytecodes, even in the
    middle of a plan), and hands the rest to the event loop. Before the first write
    (while the files load, the company is read and the plan is made, or at the prompt)
    a signal cancels the apply: what is being read is cancelled, nothing is written, no
    audit record is made (``ApplyCancelledError``, exit 130 or 143). The prompt is a
    blocking read the event loop cannot interrupt, so there the handler raises. Once
    writing (``writing``), a signal escalates ``Stop``: no new write starts, and a
    second one abandons those in flight.
    """

    def __init__(self, task: asyncio.Task[int]) -> None:
        self.task = task
        self.loop = asyncio.get_running_loop()
        self.received: list[signal.Signals] = []
        self.stop: Stop | None = None
        self.blocked = False
        self._before: dict[signal.Signals, Any] = {}

    def __enter__(self) -> _Signals:
        self._before = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)

    @property
    def cancelled(self) -> bool:
        """A signal came before the writes began."""
        return bool(self.received) and self.stop is None

    def cancellation(self) -> ApplyCancelledError:
        first = self.received[0]
        return ApplyCancelledError(int(first), first.name)

    def check(self) -> None:
        """Raise the cancellation when a signal came (a plan made meanwhile is dropped)."""
        if self.cancelled:
            raise self.cancellation()

    def writing(self) -> Stop:
        """From now on a signal stops the writes instead of cancelling the apply."""
        self.check()
        self.stop = Stop()
        return self.stop

    @contextmanager
    def blocking(self) -> Iterator[None]:
        """While the apply waits where the event loop cannot interrupt it (the prompt, a
        lock held by another apply), a signal raises the cancellation from its handler."""
        self.blocked = True
        try:
            yield
        finally:
            self.blocked = False

    def _on_signal(self, signum: int, frame: object) -> None:
        sig = signal.Signals(signum)
        self.received.append(sig)
        if self.blocked and self.stop is None:
            raise self.cancellation()
        self.loop.call_soon_threadsafe(self._in_loop, sig)

    def _in_loop(self, sig: signal.Signals) -> None:
        if self.stop is None:  # still before the writes: a read in progress ends now
            if not self.task.cancelling():
                self.task.cancel()
            return
        self.stop.escalate()
        if self.stop.urgent.is_set():
            click.echo(
                f"\n{sig.name}: abandoning the writes in flight (recorded unknown)", err=True
            )
        else:
            click.echo(
                f"\n{sig.name}: stopping: no new writes start, those in flight finish "
                "(signal again to abandon them)",
                err=True,
            )


@contextmanager
def _waited(lock: AbstractContextManager[object], signals: _Signals) -> Iterator[None]:
    """``lock``, waited for with a signal cancelling the wait (it sleeps, blocking)."""
    with ExitStack() as stack:
        with signals.blocking():
            stack.enter_context(lock)
        yield


def _chosen_plan(
    session: Session, saved: SavedPlan | None, target: str, replan_if_subset: bool
) -> Plan:
    if saved is None:
        return session.planned.plan
    plan, note = choose_plan(
        saved, session.planned, target=target, replan_if_subset=replan_if_subset
    )
    if note:
        click.echo(f"note: {clean(note)}", err=True)
    for violation in session.planned.plan.violations:  # what the history says now
        if violation.blocking and violation.code == "protected_project":
            raise ApplyError(f"refusing the saved plan: {violation.message}; nothing applied")
    return plan


def _hold(plan: Plan, planned: Planned) -> None:
    found = sensitive_changes(plan, planned.desired.snapshot, planned.live, planned.settings)
    if found:
        listed = "".join(f"\n  {item.code}: {item.message}" for item in found)
        raise ApprovalRequiredError(
            f"the plan needs an approval before apply (--hold-sensitive):{listed}\nnothing applied"
        )


def _stale(exc: ReviewedPlanStaleError, report: Path | None) -> None:
    if report is not None:
        try:
            write_text_atomic(report, render_difference_markdown(exc.difference, exc.reasons))
        except OSError as error:
            click.echo(f"warning: cannot write {clean(str(report))}: {error.strerror}", err=True)
    fail(exc, exit_code=1)


def _can_confirm() -> None:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply without confirmation: stdin is not a terminal; "
            "review the plan and pass --auto-approve (CI) or apply a saved plan file"
        )


def _confirm() -> None:
    _can_confirm()
    answer = _ask("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
    if answer.strip() != "yes":
        raise ApplyError("apply cancelled; nothing was changed")


def _ask(question: str) -> str:
    """The line typed at the terminal ("" at its end). A signal's handler raises in the
    wait, even for a signal that came just before it began: ``input()`` checks for one
    only when its read is interrupted, so a signal between the question and the read
    was lost there. The wait is on the terminal and on the wakeup fd, which any signal
    writes to."""
    if os.name != "posix":
        return str(click.prompt(question.rstrip(": "), default=""))
    click.echo(question, nl=False)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    before = signal.set_wakeup_fd(wake_w)
    try:
        while True:
            ready, _, _ = select.select([sys.stdin, wake_r], [], [])
            if sys.stdin in ready:
                return sys.stdin.readline()
            os.read(wake_r, 512)  # a signal's byte: its handler runs now
    finally:
        signal.set_wakeup_fd(before)
        os.close(wake_r)
        os.close(wake_w)


@contextmanager
def _progress(total: int) -> Iterator[Progress]:
    """A progress bar on a terminal for big applies, else one plain line per batch.
    The bar is finished on the way out, whatever happened (it hides the cursor while
    it runs and shows it again when finished)."""
    done = 0
    bar = None
    if sys.stderr.isatty() and total >= PROGRESS_BAR_MIN:
        bar = click.progressbar(length=total, label="Applying", file=sys.stderr)

    def report(outcomes: Sequence[ChangeOutcome]) -> None:
        nonlocal done
        done += len(outcomes)
        if bar is not None:
            bar.update(len(outcomes))
            return
        first = outcomes[0]
        line = describe(first.change)
        more = f" (+{len(outcomes) - 1} more)" if len(outcomes) > 1 else ""
        status = first.status.replace("_", " ")
        click.echo(f"[{done}/{total}] {status}: {line.symbol} {line.subject}{more}", err=True)

    if bar is None:
        yield report
        return
    with bar:
        yield report


def _report(applied: Applied, audit_log: Path) -> None:
    result: ApplyResult = applied.result
    every: tuple[Status, ...] = ("applied", *LISTED)
    counts = {s: len(result.with_status(s)) for s in every}
    record = f"audit record #{applied.finished.seq} in {clean(str(audit_log))}"
    if not result.outcomes:  # recorded all the same: this commit is now the last applied
        click.echo(f"\nNothing to apply ({record}).")
        return
    if result.ok and not counts["applied_by_other"]:
        click.echo(f"\nApply complete: {counts['applied']} change(s) applied ({record}).")
        return
    click.echo(
        f"\nApply {'complete' if result.ok else result.outcome}: "
        + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n)
        + f" ({record}).",
        err=True,
    )
    for status in LISTED:
        outcomes = result.with_status(status)
        # Every failure and unknown is listed; the rest is in the audit record (and what
        # did not start is what `plan` shows).
        shown = outcomes if status in ("failed", "unknown") else outcomes[:NOT_STARTED_SHOWN]
        for outcome in shown:
            line = describe(outcome.change)
            why = outcome.error or outcome.by
            why = f": {clean(why)}" if why else ""
            click.echo(f"  {status.replace('_', ' ')}: {line.symbol} {line.subject}{why}", err=True)
        if len(outcomes) > len(shown):
            more = len(outcomes) - len(shown)
            what = status.replace("_", " ")
            click.echo(f"  ... and {more} more {what} (all in the audit record)", err=True)
    if not result.ok:
        click.echo(
            "Run `reconciler plan` to see what remains; `reconciler apply` converges.", err=True
        )
