"""The sandbox as a FastAPI app: the projects API v1 over a SQLite company, and beside it
(under ``/a/``) the routes the platform's own web app uses, on the same company.

``create_app`` builds the app on a database file; it serves under uvicorn
(``reconciler sandbox serve``) or in-process through ``httpx.ASGITransport``. Routers
stay thin: the rules live in the store-side modules and ``authz``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reconciler import __version__
from reconciler.sandbox.faults import FaultInjector, LostAnswers
from reconciler.sandbox.models import FaultSettings
from reconciler.sandbox.problems import ApiProblem
from reconciler.sandbox.reads import Sandbox
from reconciler.sandbox.routes_company import router as company_router
from reconciler.sandbox.routes_projects import router as projects_router
from reconciler.sandbox.store import Store
from reconciler.sandbox.webapp import WEBAPP_PREFIX, create_webapp

API_PREFIX = "/api/v1"

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "invalid", 401: "unauthorized"}


def _problem_response(exc: ApiProblem) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return _problem_response(exc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"]) or "request"
    message = f"invalid request: {where}: {first['msg']}"
    return _problem_response(ApiProblem(422, "invalid", message, {"errors": errors}))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    problem = ApiProblem(exc.status_code, code, message, headers=dict(exc.headers or {}))
    return _problem_response(problem)


def create_app(db_path: Path, *, faults: FaultSettings | None = None) -> FastAPI:
    """The projects API v1 on the SQLite database at ``db_path`` (schema made on first use)."""
    return app_for(Sandbox(Store(db_path), FaultInjector(faults)))


def app_for(sandbox: Sandbox) -> FastAPI:
    """The app on ``sandbox``: its store and fault injector, perhaps shared with the
    in-process transport (``reconciler.sandbox.inprocess``)."""
    app = FastAPI(
        title="Projects API (reconciler sandbox)",
        version=__version__,
        description="The call-center platform's projects API v1, as the embedded sandbox "
        "implements it. See schemas/api.md for the prose contract.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.sandbox = sandbox
    app.add_middleware(LostAnswers, faults=sandbox.faults)
    app.include_router(company_router, prefix=API_PREFIX)
    app.include_router(projects_router, prefix=API_PREFIX)
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    # the platform's web app face (/a/...), on the same company
    app.mount(WEBAPP_PREFIX, create_webapp(sandbox))
    return app


def sandbox_of(app: FastAPI) -> Sandbox:
    sandbox = app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the API (no database is opened)."""
    return create_app(Path(":memory:")).openapi()
