"""Property-based fuzzing of the exported OpenAPI document against the in-process app:
valid and invalid generated requests must never get a 5xx (faults off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.demo import init_company
from reconciler.sandbox.models import FaultSettings

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    db = tmp_path_factory.mktemp("fuzz") / "sandbox.db"
    token = init_company(db, demo=True)
    app = create_app(db)
    yield app, token
    sandbox_of(app).store.close()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_errors(
    operation: schemathesis.APIOperation, fuzzed: tuple[FastAPI, str]
) -> None:
    app, token = fuzzed
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        sandbox_of(app).faults.configure(FaultSettings())  # a fuzzed PUT may have set some
        response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)

    check()
