"""The platform's own web app (``/a/...`` routes, browser session) as a live system.

``WebAppClient`` implements ``reconciler.live.protocol.LiveSystem`` over the routes in
``routes.py`` (the one module to edit when a real account answers differently), with
the dialect in ``exchange.py``, reading in ``reading.py`` and writes in ``writes.py``.
"""

from reconciler.live.okitoki.client import WEBAPP_CAPABILITIES, WebAppClient

__all__ = ["WEBAPP_CAPABILITIES", "WebAppClient"]
