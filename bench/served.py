"""The sandbox served on a loopback port, counting the requests it answers.

    python bench/served.py --db DB --port PORT

What ``reconciler sandbox serve`` runs, wrapped in an ASGI layer that counts every
request by method and answers ``GET /_bench/counts`` (``?reset=1`` zeroes them) itself,
so a benchmark can tell how many requests a command made. Used by ``bench_scale.py``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn

from reconciler.sandbox.app import create_app

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

COUNTS_PATH = "/_bench/counts"


def counting(app: App) -> App:
    counts: Counter[str] = Counter()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["path"] == COUNTS_PATH:
            body = json.dumps(dict(counts)).encode()
            if b"reset=1" in scope.get("query_string", b""):
                counts.clear()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        counts[scope["method"]] += 1
        await app(scope, receive, send)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = counting(create_app(args.db))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
