"""`make bench [BENCH=prefix]`: run the benchmarks, one JSON line each on stdout.

Benchmarks build their own deterministic data in a separate database: `var/bench.sqlite3`
(recreated each run), or `<name>_bench` next to the PostgreSQL database of DATABASE_URL.
"""

import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path


def _bench_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, name = url.rpartition("/")
        name = name.split("?")[0]
        bench_name = f"{name}_bench"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
            conn.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = f"{base}/{bench_name}"
    else:
        var = Path(os.environ.get("QUDAO_VAR_DIR", Path(__file__).resolve().parents[1] / "var"))
        path = var / "bench.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def main(prefix: str = "") -> None:
    _bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_divisions", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    import bench

    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not module_info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        for name, fn in module.BENCHES:
            if name.startswith(prefix):
                results = fn()  # one line, or several (one per client count)
                for result in results if isinstance(results, list) else [results]:
                    print(json.dumps({"bench": name, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
