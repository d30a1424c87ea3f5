"""Role and company writes (see ``reconciler.live.writes`` for the batch rules)."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.live import api_models as api
from reconciler.live.batch import Batch
from reconciler.live.session import RetryMode
from reconciler.live.settle import about_company, about_created, about_role
from reconciler.plan.changes import (
    Change,
    RoleCreate,
    RoleDelete,
    RoleHolderAdd,
    RoleHolderRemove,
    RoleUpdate,
    SecurityTypeChange,
    batch_key,
)


async def write_role(batch: Batch, changes: Sequence[Change]) -> list[int]:
    name = batch_key(changes[0])[1]
    if any(isinstance(c, RoleDelete) for c in changes):
        return await _role_delete(batch, name)
    add = sorted(batch.maps.user_id(c.user) for c in changes if isinstance(c, RoleHolderAdd))
    drop = sorted(batch.maps.user_id(c.user) for c in changes if isinstance(c, RoleHolderRemove))
    ids: list[int] = []
    for change in changes:
        if isinstance(change, RoleCreate):
            ids += await _role_create(batch, name, sorted(change.permissions), add)
            add = []
        elif isinstance(change, RoleUpdate):
            ids += await _role_update(batch, name, sorted(change.after))
    if add or drop:
        ids += await _role_holders(batch, name, add, drop)
    return ids


async def _role_create(
    batch: Batch, name: str, permissions: list[str], add: list[int]
) -> list[int]:
    about = about_created("role", name)

    async def resolve() -> api.RoleWritten | None:
        entries = await batch.witness.entries(about)
        now = await batch.role(entries[-1].resource_id or 0) if entries else None
        if now is None:
            return None
        holds = sorted(now.permissions) == permissions and set(add) <= set(now.user_ids)
        return await batch.settle(about, now, holds=holds)

    body = {"name": name, "permissions": permissions, "user_ids": add}
    role = await batch.send(
        "POST",
        "/roles",
        api.RoleWritten,
        body=body,
        headers=batch.headers,
        mode=RetryMode.UNSENT,
        about=about,
        resolve=resolve,
    )
    batch.maps.roles[name] = role.id
    return role.change_ids


async def _role_update(batch: Batch, name: str, permissions: list[str]) -> list[int]:
    rid = batch.maps.role_id(name)
    about = about_role(rid, "update", "permissions")

    async def resolve() -> api.RoleWritten | None:
        now = await batch.role(rid)
        if now is None:
            return None
        return await batch.settle(about, now, holds=sorted(now.permissions) == permissions)

    answer = await batch.send(
        "PATCH",
        f"/roles/{rid}",
        api.RoleWritten,
        body={"permissions": permissions},
        headers=batch.headers,
        about=about,
        resolve=resolve,
    )
    return answer.change_ids


async def _role_holders(batch: Batch, name: str, add: list[int], drop: list[int]) -> list[int]:
    rid = batch.maps.role_id(name)
    about = about_role(rid, "update", "user_ids")

    async def resolve() -> api.Written | None:
        now = await batch.role(rid)
        held = set(now.user_ids) if now is not None else set()
        holds = now is not None and set(add) <= held and not set(drop) & held
        return await batch.settle(about, api.Written(), holds=holds)

    body = {"add": add, "remove": drop}
    path = f"/roles/{rid}/holders"
    answer = await batch.send(
        "POST", path, api.Written, body=body, headers=batch.headers, about=about, resolve=resolve
    )
    return answer.change_ids


async def _role_delete(batch: Batch, name: str) -> list[int]:
    """Deleting a role also ends its holdings: holder removals in the batch ride along."""
    rid = batch.maps.role_id(name)
    about = about_role(rid, "delete")

    async def resolve() -> api.Written | None:
        return await batch.settle(about, api.Written(), holds=await batch.role(rid) is None)

    path = f"/roles/{rid}"
    answer = await batch.send(
        "DELETE", path, api.Written, headers=batch.headers, about=about, resolve=resolve
    )
    batch.maps.roles.pop(name, None)
    return answer.change_ids


async def write_company(batch: Batch, changes: Sequence[Change]) -> list[int]:
    (change,) = changes
    assert isinstance(change, SecurityTypeChange)
    params = {"confirm": "true"} if change.after == "simple" else None
    batch.stale = True  # projects appear (Default) or vanish: read them again before use

    async def resolve() -> api.CompanyWritten | None:
        now = await batch.session.call("GET", "/company", api.CompanyWritten)
        holds = now.security_type == change.after
        return await batch.settle(about_company, now, holds=holds)

    answer = await batch.send(
        "PUT",
        "/company",
        api.CompanyWritten,
        params=params,
        body={"security_type": change.after},
        headers=batch.headers,
        about=about_company,
        resolve=resolve,
    )
    return answer.change_ids
