"""Runs every benchmark in bench/ and prints one table. `make bench` calls this.

Each `bench/bench_*.py` module has `run(scale) -> list[Row]`. Benchmarks use a database of
their own (civicmarkets_bench, or BENCH_DATABASE_URL; created and migrated here), never the
demo's or the tests'.

    python bench/run.py [--only NAME] [--scale N]
"""

import argparse
import importlib
import os
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        # A database of one's own, e.g. when several checkouts share one PostgreSQL server.
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civicmarkets")
    return urlunparse(urlparse(base)._replace(path="/civicmarkets_bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run only bench_<ONLY>.py")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply data sizes by this")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicmarkets.settings.test")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("PYTHONWARNINGS", "ignore:No directory at")
    sys.path.insert(0, str(ROOT / "scripts"))
    from devenv import ensure_database

    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench.common import print_table

    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m == f"bench_{args.only}"]
    rows = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", flush=True)
        rows.extend(module.run(args.scale))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
