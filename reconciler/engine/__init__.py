"""The glue every planning command shares, below the command line.

    targets.py   which live system a ``--target`` names, its token, and the adapter for it
    session.py   files + target -> an open client and a Plan (load, whoami, fetch, plan)

``cli/`` parses options and renders; ``drift/`` and ``apply/`` use this package directly.
"""
