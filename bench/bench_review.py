"""``reconciler review`` on a large company with a git history, as an auditor runs it.

Seeds an embedded-sandbox database (``bench_plan_cli.seed``: 20 users, 2 groups and ~20
objects per project), imports its ``projects.d/`` into a git repository, commits it,
then adds ``--commits`` commits by several authors, each moving a few users between
projects in the files, and applies the last one (so the audit trail and the change log
hold an apply). Then times the real CLI in that repository, as subprocesses:

  review               every project's page and the role holdings, text and csv;
  review --project X   one project's page (the auditor's one-page question).

    python bench/bench_review.py [--projects 1000] [--commits 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench_plan_cli import (
    Edits,
    Timing,
    edit_files,
    project_name,
    repeated,
    report,
    run,
    seed,
)

from reconciler.engine.targets import sandbox_token_path

AUTHORS = ("Olga Admin", "Kim Lead", "Sam Ops")


def git(repo: Path, *args: str, author: str = AUTHORS[0]) -> None:
    email = author.split(maxsplit=1)[0].lower() + "@example.com"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": email,
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def build(repo: Path, projects: int, commits: int, rnd: random.Random) -> None:
    """The repository: an imported company, then ``commits`` commits moving users."""
    db = repo / ".reconciler" / "sandbox.db"
    db.parent.mkdir(parents=True)
    token, company = seed(db, projects, rnd)
    token_path = sandbox_token_path(db)
    token_path.write_text(token + "\n", encoding="utf-8")
    token_path.chmod(0o600)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text(".reconciler/\n", encoding="utf-8")
    os.chdir(repo)
    run(["import", "--out", "projects.d"])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Import the company")
    names = [project_name(i) for i in range(projects)]
    for number in range(commits):
        source, target = rnd.sample(names, 2)
        login = company.users[source].pop()
        company.users[target].append(login)
        moves = Edits(add={target: [login]}, remove={source: [login]})
        edit_files(repo / "projects.d", moves, Edits())
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"Move {login} to {target}", author=AUTHORS[number % 3])
    run(["apply", "--auto-approve"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reconciler-bench-review-"))
    try:
        start = time.perf_counter()
        build(work, args.projects, args.commits, random.Random(7))
        print(
            f"{args.projects} projects, {args.commits + 1} commits, one apply "
            f"(built in {time.perf_counter() - start:.1f} s, not timed below)"
        )
        results: dict[str, list[Timing]] = {}
        for fmt in ("text", "csv"):
            results[fmt], out = repeated(args.repeat, ["review", "--format", fmt])
            report(f"review --format {fmt}", results[fmt])
            if fmt == "csv":
                print(f"{'':<30} {len(out.splitlines()) - 1} rows, {len(out)} bytes")
        one = ["review", "--project", project_name(0), "--format", "html"]
        report("review --project --format html", repeated(args.repeat, one)[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
