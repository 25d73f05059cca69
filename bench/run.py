"""Run the benchmarks: every ``bench/bench_*.py`` module's ``main()``, in name order.

    .venv/bin/python bench/run.py          # all of them (``make bench``)
    .venv/bin/python bench/run.py me       # only bench_me.py

Each benchmark prints its own figures and their ratio to a baseline measured in the same run.
Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/welfare_bench. The
database is created, migrated and seeded as needed and kept between runs; BENCH_FRESH=1 drops and
rebuilds it first, e.g. after a migration was rewritten.
"""

from __future__ import annotations

import importlib
import pkgutil
import signal
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # run as a script: make the project importable

from bench.harness import BenchError  # noqa: E402


def benchmarks() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(BENCH_DIR)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = benchmarks()
    if argv:
        wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in argv}
        unknown = wanted - set(names)
        if unknown:
            print(f"Unknown benchmark(s): {', '.join(sorted(unknown))}; there are: {', '.join(names)}")
            return 2
        names = [name for name in names if name in wanted]
    started = time.monotonic()
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        try:
            module.main()
        except BenchError as exc:
            sys.stdout.flush()
            print(f"{name}: cannot run: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
        print(flush=True)
    print(
        f"{len(names) - len(failed)} of {len(names)} benchmark(s) ran in {time.monotonic() - started:.0f}s."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the benchmarks' finally blocks stop gunicorn.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(main(sys.argv[1:]))
