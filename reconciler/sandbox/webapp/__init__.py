"""The sandbox's second face: the routes the platform's own web app uses, under ``/a/``.

Mounted by ``reconciler.sandbox.app.create_app`` beside the projects API v1, on the same
store: one company, two ways in. ``schemas/webapp.md`` describes the routes, which of
them were seen in a public copy of the platform's front end and which are assumed.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from reconciler.sandbox.problems import ApiProblem
from reconciler.sandbox.reads import Sandbox
from reconciler.sandbox.webapp.routes import router
from reconciler.sandbox.webapp.session import WebError, web_error

WEBAPP_PREFIX = "/a"


async def _on_web_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WebError)
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return await _on_web_error(request, web_error(exc))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [str(err.get("msg", "invalid")) for err in exc.errors()]
    return JSONResponse({"errors": errors or ["invalid request"]}, status_code=422)


def create_webapp(sandbox: Sandbox) -> FastAPI:
    """The web app face on ``sandbox``'s store (mount it at ``/a``)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.sandbox = sandbox
    app.include_router(router)
    app.add_exception_handler(WebError, _on_web_error)
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    return app
