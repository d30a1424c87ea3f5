"""Reading a company (``fetch_snapshot``) from a scripted server: what it makes of the
lists, and the one clear error for each way the lists can be wrong."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from live_helpers import FAST, jsonify

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.live.client import ApiClient
from reconciler.live.folding import IdMaps, NameIds
from reconciler.live.session import ClientSettings
from reconciler.state.snapshot import ProjectState, RoleState, Snapshot

Lists = dict[str, list[dict[str, Any]]]

COMPANY: Lists = {
    "users": [
        {"id": 1, "login": "ana", "name": "Ana"},
        {"id": 2, "login": "bo", "name": "Bo"},
        {"id": 3, "login": "cy", "name": "Cy"},
    ],
    "groups": [
        {"id": 10, "name": "day", "user_ids": [1, 2]},
        {"id": 11, "name": "night", "user_ids": []},
    ],
    "roles": [
        {"id": 1, "name": "Admin", "builtin": True, "permissions": [], "user_ids": [1]},
        {"id": 2, "name": "Lead", "builtin": False, "permissions": ["view_all"], "user_ids": [3]},
    ],
    "objects": [
        {"id": 100, "kind": "queues", "name": "Inbound", "project_ids": [1000]},
        {"id": 101, "kind": "lists", "name": "Leads", "project_ids": [1000, 1001]},
        {"id": 102, "kind": "queues", "name": "Spare", "project_ids": []},
    ],
    "projects": [
        {
            "id": 1000,
            "name": "Bank",
            "description": "Collections",
            "version": 4,
            "member": False,
            "users": [1, 2],
            "groups": [10],
            "objects": [100, 101],
        },
        {
            "id": 1001,
            "name": "Shop",
            "description": None,
            "version": 1,
            "member": False,
            "users": [],
            "groups": [],
            "objects": [101],
        },
    ],
}

EXPECTED = Snapshot(
    security_type="advanced",
    projects={
        "Bank": ProjectState(
            "Bank",
            "Collections",
            frozenset({"ana", "bo"}),
            frozenset({"day"}),
            frozenset({("queues", "Inbound"), ("lists", "Leads")}),
        ),
        "Shop": ProjectState("Shop", "", objects=frozenset({("lists", "Leads")})),
    },
    roles={
        "Admin": RoleState("Admin", frozenset(), frozenset({"ana"}), builtin=True),
        "Lead": RoleState("Lead", frozenset({"view_all"}), frozenset({"cy"})),
    },
    users=frozenset({"ana", "bo", "cy"}),
    groups={"day": frozenset({"ana", "bo"}), "night": frozenset()},
    objects=frozenset({("queues", "Inbound"), ("lists", "Leads"), ("queues", "Spare")}),
    versions={"Bank": 4, "Shop": 1},
)


def serve(lists: Lists, totals: dict[str, int] | None = None) -> Callable[..., httpx.Response]:
    """A server of ``lists``, paged by ``offset``, ``limit`` and ``after`` as the API pages."""

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name == "company":
            return jsonify(200, {"name": "Co", "security_type": "advanced"})
        params = request.url.params
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
        after = int(params.get("after", 0))
        items = [item for item in lists[name] if item["id"] > after]
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        total = (totals or {}).get(name, len(lists[name]))
        body = {"items": page, "total": total, "next_offset": offset + len(page) if more else None}
        return jsonify(200, body)

    return handler


def fetch(lists: Lists, page_size: int = 1000, **totals: int) -> Snapshot:
    settings = ClientSettings(retry=FAST.retry, rate_limit=None, page_size=page_size)

    async def go() -> Snapshot:
        transport = httpx.MockTransport(serve(lists, totals))
        client = ApiClient("https://x.example/api/v1", token=None, settings=settings,
                           transport=transport)  # fmt: skip
        async with client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def changed(**edits: Callable[[list[dict[str, Any]]], None]) -> Lists:
    lists = copy.deepcopy(COMPANY)
    for name, edit in edits.items():
        edit(lists[name])
    return lists


@pytest.mark.parametrize("page_size", [1, 2, 1000])
def test_the_lists_make_the_snapshot_whatever_the_page_size(page_size: int) -> None:
    assert fetch(COMPANY, page_size) == EXPECTED


def _set(index: int, **fields: Any) -> Callable[[list[dict[str, Any]]], None]:
    def edit(items: list[dict[str, Any]]) -> None:
        items[index].update(fields)

    return edit


SHAPES: list[tuple[str, Lists, type[LiveError], str]] = [
    ("a login twice on one page", changed(users=_set(1, login="ana")), ResponseShapeError,
     "GET /users: unexpected response: field 'login': 'ana' appears twice"),
    ("a group name twice", changed(groups=_set(1, name="day")), ResponseShapeError,
     "GET /groups: unexpected response: field 'name': 'day' appears twice"),
    ("an unknown member", changed(projects=_set(1, users=[3, 9])), ResponseShapeError,
     "GET /projects: unexpected response: field 'items.1.users': unknown user id 9"),
    ("an unknown group", changed(projects=_set(0, groups=[12])), ResponseShapeError,
     "GET /projects: unexpected response: field 'items.0.groups': unknown group id 12"),
    ("an unknown object", changed(projects=_set(0, objects=[100, 7])), ResponseShapeError,
     "GET /projects: unexpected response: field 'items.0.objects': unknown object id 7"),
    ("an id beyond 64 bits", changed(projects=_set(0, users=[2**70])), ResponseShapeError,
     f"field 'items.0.users': unknown user id {2**70}"),
    ("a group's unknown member", changed(groups=_set(0, user_ids=[1, 4])), ResponseShapeError,
     "GET /groups: unexpected response: field 'items.0.user_ids': unknown user id 4"),
    ("a role's unknown holder", changed(roles=_set(1, user_ids=[5])), ResponseShapeError,
     "GET /roles: unexpected response: field 'items.1.user_ids': unknown user id 5"),
    ("a project without its members", changed(projects=_set(1, users=None)), LiveError,
     "GET /projects: project 'Shop' came back without its members and objects"),
    ("a login not a string", changed(users=_set(2, login=3)), ResponseShapeError,
     "field 'items.2.login': Input should be a valid string"),
    ("members not a list", changed(projects=_set(0, users="ana")), ResponseShapeError,
     "field 'items.0.users': Input should be a valid array"),
    ("an object without a kind", changed(objects=lambda items: items[0].pop("kind")),
     ResponseShapeError, "field 'items.0.kind': Field required"),
]  # fmt: skip


@pytest.mark.parametrize(("lists", "error", "message"), [s[1:] for s in SHAPES],
                         ids=[s[0] for s in SHAPES])  # fmt: skip
def test_each_wrong_list_is_one_clear_error(
    lists: Lists, error: type[LiveError], message: str
) -> None:
    with pytest.raises(error) as info:
        fetch(lists)
    assert message in str(info.value)
    assert type(info.value) is error


def test_a_login_twice_across_pages_is_found() -> None:
    lists = changed(users=_set(2, login="ana"))
    with pytest.raises(ResponseShapeError, match="field 'login': 'ana' appears twice"):
        fetch(lists, page_size=1)


def test_an_unknown_member_on_a_later_page_is_named_by_its_place_in_the_list() -> None:
    lists = changed(projects=_set(1, objects=[8]))
    with pytest.raises(ResponseShapeError, match=r"field 'items\.1\.objects': unknown object id 8"):
        fetch(lists, page_size=1)


def test_a_list_that_changes_while_it_is_read() -> None:
    with pytest.raises(LiveError, match="GET /users: the list changed while it was being read"):
        fetch(COMPANY, page_size=2, users=4)


def test_what_the_desired_state_names_is_held_once_and_what_it_adds_is_not_read() -> None:
    """``like``: its logins and object refs equal to those read are its own objects; a
    login it has that the company lacks is no user of the snapshot, nor of the maps."""
    own = {login: "".join(login) for login in ("ana", "bo", "cy", "dee")}  # other objects
    spare = ("queues", "".join("Spare"))
    like = Snapshot(users=frozenset(own.values()), objects=frozenset({spare}))
    settings = ClientSettings(retry=FAST.retry, rate_limit=None, page_size=2)

    async def go() -> tuple[Snapshot, ApiClient]:
        transport = httpx.MockTransport(serve(COMPANY))
        client = ApiClient("https://x.example/api/v1", token=None, settings=settings,
                           transport=transport)  # fmt: skip
        async with client:
            return await client.fetch_snapshot(like=like), client

    read, client = asyncio.run(go())
    assert read == EXPECTED
    by_login = {login: login for login in read.users}
    assert all(by_login[login] is own[login] for login in ("ana", "bo", "cy"))
    assert all(u is own[u] for p in read.projects.values() for u in p.users)
    assert next(o for o in read.objects if o == spare) is spare
    assert client._maps is not None and set(client._maps.users) == {"ana", "bo", "cy"}


def test_name_ids_answer_as_the_mapping_they_stand_for() -> None:
    users = NameIds(["ana", "bo", "cy"], [7, 2**40, 9])
    assert users["bo"] == 2**40 and dict(users) == {"ana": 7, "bo": 2**40, "cy": 9}
    assert len(users) == 3 and "cy" in users and "dee" not in users
    assert dict(users.items()) == {"ana": 7, "bo": 2**40, "cy": 9}
    refs = NameIds([("queues", "Q"), ("lists", "L"), ("queues", "Q")], [1, 2, 3])
    assert dict(refs) == {("queues", "Q"): 3, ("lists", "L"): 2}  # as a dict made of them
    assert NameIds(["huge"], [2**70])["huge"] == 2**70  # beyond 64 bits: kept as a list
    with pytest.raises(LiveError, match="user 'dee' does not exist on the platform"):
        IdMaps(users=users).user_id("dee")


def test_the_maps_of_a_read_name_every_user_and_object_by_its_id() -> None:
    async def go() -> IdMaps:
        transport = httpx.MockTransport(serve(COMPANY))
        client = ApiClient("https://x.example/api/v1", token=None, transport=transport)
        async with client:
            await client.fetch_snapshot()
            assert client._maps is not None
            return client._maps

    maps = asyncio.run(go())
    assert dict(maps.users) == {"ana": 1, "bo": 2, "cy": 3}
    assert dict(maps.objects) == {("queues", "Inbound"): 100, ("lists", "Leads"): 101,
                                  ("queues", "Spare"): 102}  # fmt: skip
    assert maps.object_id(("lists", "Leads")) == 101 and maps.user_id("cy") == 3
