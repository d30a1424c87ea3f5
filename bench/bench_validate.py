"""How fast is `reconciler validate` next to a bare parse of the same files?

    python bench/bench_validate.py [--projects 1000] [--repeat 5]

Generates the synthetic company of ``gen_company.py`` in a temporary directory and prints
the best of ``--repeat`` runs of:

  floor    reading every file and composing it with ruamel.yaml's C parser
           (``CSafeLoader``: libyaml + the C composer), with the garbage collector as it
           comes and also disabled; and ``YAML(typ="safe").compose_all`` for reference;
  cold     ``load_config`` without the cache (parse, validate, rules), and its ratio to
           the floor (target: at most 1.3x); parsed by worker processes when the files are
           large enough and the machine has several CPUs, and also in one process
           (``RECONCILER_PARSE_WORKERS=0``) for comparison;
  warm     ``load_config`` with the cache after changing one file (target: 0.25 s).
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_company import generate
from ruamel.yaml import YAML
from ruamel.yaml.cyaml import CSafeLoader

from reconciler.config.loader import load_config


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def compose_files(files: list[Path]) -> None:
    for path in files:
        loader = CSafeLoader(path.read_bytes().decode("utf-8"))
        try:
            while loader.check_node():
                loader.get_node()
        finally:
            loader.dispose()


def compose_without_gc(files: list[Path]) -> None:
    gc.disable()
    try:
        compose_files(files)
    finally:
        gc.enable()


def compose_yaml_api(files: list[Path]) -> None:
    yaml = YAML(typ="safe")
    for path in files:
        for _ in yaml.compose_all(path.read_bytes().decode("utf-8")):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reconciler-bench-"))
    try:
        config = work / "projects.d"
        files = generate(config, args.projects)
        entries = sum(
            1 for f in files for line in f.read_text().splitlines() if line.startswith("    - ")
        )
        print(f"synthetic company: {len(files)} files, {entries} list entries")
        floor = best(args.repeat, lambda: compose_files(files))
        floor_nogc = best(args.repeat, lambda: compose_without_gc(files))
        api = best(args.repeat, lambda: compose_yaml_api(files))
        print(f"floor: C-parser compose (CSafeLoader)        {floor:7.3f} s")
        print(f"floor: same, garbage collector disabled      {floor_nogc:7.3f} s")
        print(f"ref:   YAML(typ='safe').compose_all          {api:7.3f} s")
        cold = best(args.repeat, lambda: load_config(config, use_cache=False))
        print(
            f"cold:  load_config, no cache                 {cold:7.3f} s  "
            f"= {cold / floor:.2f}x floor, {cold / floor_nogc:.2f}x floor without gc "
            "(target <= 1.3x)"
        )
        os.environ["RECONCILER_PARSE_WORKERS"] = "0"
        alone = best(args.repeat, lambda: load_config(config, use_cache=False))
        del os.environ["RECONCILER_PARSE_WORKERS"]
        print(
            f"cold:  same, parsed in one process           {alone:7.3f} s  = {alone / floor:.2f}x"
        )
        cache = work / "cache"
        load_config(config, cache_dir=cache)
        changed = files[len(files) // 2]

        def change_one_file_and_load() -> None:
            changed.write_text(changed.read_text() + "# touched\n")
            load_config(config, cache_dir=cache)

        warm = best(args.repeat, change_one_file_and_load)
        print(f"warm:  load_config, cache, 1 file changed    {warm:7.3f} s  (target <= 0.25 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
