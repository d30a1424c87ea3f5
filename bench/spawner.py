"""Children started by a small helper process, so that their peak RSS is their own.

On Linux a child's ``ru_maxrss`` (what ``wait4`` reports) starts at the RSS of the
process that forked it: the kernel keeps the high-water mark of the memory the child
left behind at ``exec``, which is its parent's. A benchmark that has read a large plan
would report that size for every command it runs after (a 300 MB parent: 314 MB for
``python -c pass``). The helper is a fresh interpreter of about 14 MB, started once;
every command is forked from it.

    with Spawner() as spawn:
        done = spawn.run(["reconciler", "plan"], cwd, env)
        done.returncode, done.wall, done.cpu, done.rss_mb, done.stdout, done.stderr
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

HELPER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(job["args"], cwd=job["cwd"], env=job["env"], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    answer = {"status": os.waitstatus_to_exitcode(status), "wall": wall,
              "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss}
    print(json.dumps(answer), flush=True)
"""


@dataclass
class Done:
    returncode: int
    wall: float
    cpu: float
    rss_mb: float
    stdout: str
    stderr: str


class Spawner:
    def __init__(self) -> None:
        self._helper = subprocess.Popen(
            [sys.executable, "-I", "-c", HELPER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, args: list[str], cwd: Path, env: dict[str, str]) -> Done:
        assert self._helper.stdin is not None and self._helper.stdout is not None
        with tempfile.TemporaryDirectory() as tmp:
            out, err = Path(tmp) / "out", Path(tmp) / "err"
            job = {"args": args, "cwd": str(cwd), "env": env, "stdout": str(out)}
            self._helper.stdin.write(json.dumps({**job, "stderr": str(err)}) + "\n")
            self._helper.stdin.flush()
            answer = json.loads(self._helper.stdout.readline())
            stdout = out.read_text(encoding="utf-8", errors="replace")
            stderr = err.read_text(encoding="utf-8", errors="replace")
        rss = answer["rss_kb"] / 1024
        return Done(answer["status"], answer["wall"], answer["cpu"], rss, stdout, stderr)

    def close(self) -> None:
        if self._helper.stdin is not None:
            self._helper.stdin.close()
        self._helper.wait(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
