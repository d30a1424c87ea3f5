"""Faults on demand: errors, throttling, timeouts and a per-token rate limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import Api, UserFactory

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.faults import FaultInjector
from reconciler.sandbox.models import FaultSettings
from reconciler.sandbox.problems import ApiProblem


def test_error_rate_fails_before_anything_is_written(admin: Api) -> None:
    admin.ok("PUT", "/admin/faults", json={"error_rate": 1.0, "error_status": 502})
    failed = admin.post("/projects", json={"name": "Never"})
    assert failed.status_code == 502
    assert failed.json()["error"]["code"] == "fault"
    assert admin.ok("GET", "/admin/faults")["error_rate"] == 1.0  # never faulted itself
    admin.ok("PUT", "/admin/faults", json={})
    assert [p["name"] for p in admin.items("/projects")] == ["Default"]


def test_throttle_answers_429_with_retry_after(admin: Api) -> None:
    admin.ok("PUT", "/admin/faults", json={"throttle_rate": 1.0, "retry_after": 7})
    response = admin.get("/company")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["details"]["retry_after"] == 7


def test_timeout_fault_answers_504_after_waiting(admin: Api) -> None:
    admin.ok("PUT", "/admin/faults", json={"timeout_rate": 1.0, "timeout_seconds": 0})
    assert admin.get("/company").status_code == 504


def test_rate_limit_is_per_token(admin: Api, user: UserFactory) -> None:
    other = user("other.caller")
    admin.ok("PUT", "/admin/faults", json={"rate_limit_per_second": 0.001})
    assert admin.get("/company").status_code == 200
    limited = admin.get("/company")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert other.get("/whoami").status_code == 200


def test_faults_are_admin_only(user: UserFactory) -> None:
    agent = user("agent")
    assert agent.get("/admin/faults").status_code == 403
    assert agent.put("/admin/faults", json={"error_rate": 1}).status_code == 403
    assert agent.put("/admin/faults", json={"error_rate": 2}).status_code == 422


def _draws(seed: int) -> list[int]:
    injector = FaultInjector(FaultSettings(error_rate=0.5, seed=seed))
    out = []
    for _ in range(40):
        try:
            asyncio.run(injector.before_request("k"))
            out.append(0)
        except ApiProblem as problem:
            out.append(problem.status)
    return out


def test_seeded_faults_repeat_and_hit_a_fraction() -> None:
    first = _draws(11)
    assert first == _draws(11)
    assert 5 < first.count(503) < 35


def test_faults_given_to_create_app(sandbox_db: tuple[Path, str]) -> None:
    app = create_app(sandbox_db[0], faults=FaultSettings(error_rate=1.0, error_status=500))

    async def call() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {"Authorization": f"Bearer {sandbox_db[1]}"}
            return (await client.get("/api/v1/whoami", headers=headers)).status_code

    assert asyncio.run(call()) == 500
    sandbox_of(app).store.close()


@pytest.mark.parametrize("field", ["error_rate", "throttle_rate", "timeout_rate"])
def test_zero_rates_never_fault(field: str) -> None:
    injector = FaultInjector(FaultSettings(**{field: 0.0}))
    for _ in range(20):
        asyncio.run(injector.before_request("k"))


def test_faults_can_be_limited_to_some_methods(admin: Api) -> None:
    admin.ok("PUT", "/admin/faults", json={"error_rate": 1.0, "methods": ["POST"]})
    assert admin.get("/company").status_code == 200
    assert admin.post("/projects", json={"name": "Never"}).status_code == 503
    admin.ok("PUT", "/admin/faults", json={})
    assert [p["name"] for p in admin.items("/projects")] == ["Default"]


def test_a_lost_answer_is_a_write_that_landed(admin: Api) -> None:
    """The write commits; its answer comes only after ``timeout_seconds`` (0 here)."""
    admin.ok("PUT", "/admin/faults", json={"lost_answer_rate": 1.0, "timeout_seconds": 0})
    created = admin.ok("POST", "/projects", json={"name": "Landed"})
    assert created["name"] == "Landed"
    refused = admin.post("/projects", json={"name": "Landed"})  # refusals are held too
    assert refused.status_code == 409
    admin.ok("PUT", "/admin/faults", json={})
    assert "Landed" in [p["name"] for p in admin.items("/projects")]
