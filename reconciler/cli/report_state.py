"""The state a report answers for: live as it is, or desired (what apply would make).

``--state desired`` is the files merged over live as the planner resolves it, without
the access the files grant only until a date already past (as of ``--now``, else today),
so a report never shows expired access as if it would stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.engine.declared import load_declared
from reconciler.engine.session import PlanOptions, open_client, plan_settings
from reconciler.plan.expiry import without_expired
from reconciler.plan.planner import resolve
from reconciler.state.desired import Desired
from reconciler.state.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class States:
    """``shown``: the state asked for; ``live``: the platform now; ``desired``: the
    files, when they were read."""

    shown: Snapshot
    live: Snapshot
    desired: Desired | None


async def read_states(options: PlanOptions, state: str, *, need_files: bool) -> States:
    """The live snapshot and, for ``state == "desired"`` (which reads the files whatever
    ``need_files`` says), the desired one."""
    desired = None
    if need_files or state == "desired":
        desired = load_declared(options.config_dir, use_cache=options.use_cache).desired
    async with open_client(options.target, options.token_file) as (client, identity):
        live = await client.fetch_snapshot()
    if desired is None or state == "live":
        return States(live, live, desired)
    settings = plan_settings(desired, options, identity)
    shown = resolve(without_expired(desired.snapshot, settings), live, settings).target
    return States(shown, live, desired)


def in_state(state: str) -> str:
    """What a ``--project`` pattern of a report is matched against, for its error."""
    if state == "live":
        return " in the live state (declared ones: --state desired)"
    return " in the desired state"
