"""The embedded sandbox: the platform's projects API v1 (FastAPI) over SQLite.

Entry points: ``app.create_app(db_path, faults=None)``, ``demo.init_company(db_path,
demo=...)``, ``demo.make_user(...)``, ``demo.issue_token(...)``,
``openapi.write_openapi(path)``. The permission model is described in ``authz``.
"""
