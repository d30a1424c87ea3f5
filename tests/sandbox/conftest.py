"""Sandbox test helpers: a caller bound to one token, over the in-process app."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi import FastAPI
from sandbox_helpers import Api, UserFactory

from reconciler.sandbox.demo import make_user

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx; the client works
    from starlette.testclient import TestClient


@pytest.fixture
def test_client(asgi_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(asgi_app, raise_server_exceptions=True) as client:
        yield client


@pytest.fixture
def admin(test_client: TestClient, sandbox_db: tuple[Path, str]) -> Api:
    return Api(test_client, sandbox_db[1])


@pytest.fixture
def user(test_client: TestClient, sandbox_db: tuple[Path, str]) -> UserFactory:
    """``user(login, roles=[...], groups=[...], projects=[...])`` -> an Api as that user."""

    def make(
        login: str,
        roles: Sequence[str] = (),
        groups: Sequence[str] = (),
        projects: Sequence[str] = (),
    ) -> Api:
        token = make_user(sandbox_db[0], login, roles=roles, groups=groups, projects=projects)
        return Api(test_client, token)

    return make
