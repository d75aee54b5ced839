"""Backup and restore (docs/reliability.md): a `pg_dump` of a database with orders, ledgers
and stock restores into a fresh database that passes `qudao check-ledgers` and holds the same
rows."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from qudao.finance.models import LedgerEntry
from qudao.inventory.models import StockMove
from qudao.orders.models import Order
from qudao.orders.tests import factories as of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cat(net):
    from qudao.catalog.tests.factories import ebike_catalogue

    return ebike_catalogue()


def _conninfo(name: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "dbname": name,
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"] or "localhost",
        "port": str(db["PORT"] or 5432),
    }


def _env(info: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": info["host"],
        "PGPORT": info["port"],
        "PGUSER": info["user"],
        "PGPASSWORD": info["password"],
    }


def _counts(info: dict[str, str]) -> tuple[int, int, int]:
    with psycopg.connect(**info) as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in (
                Order._meta.db_table,
                LedgerEntry._meta.db_table,
                StockMove._meta.db_table,
            )
        )


def test_a_dump_restores_into_a_fresh_database_with_ledgers_intact(net, cat, tmp_path: Path):
    w = of.world(net, cat)
    of.top_up(w, "1000")
    order = of.placed(w)
    assert order.status == "approved"
    source = _conninfo(connection.settings_dict["NAME"])
    dump = tmp_path / "qudao.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source["dbname"]],
        env=_env(source),
        check=True,
    )
    target = {**source, "dbname": f"qudao_restore_{uuid.uuid4().hex[:8]}"}
    env = _env(target)
    subprocess.run(["createdb", target["dbname"]], env=env, check=True)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target['dbname']}", str(dump)],
            env=env,
            check=True,
        )
        assert _counts(target) == _counts(source)
        url = (
            f"postgres://{target['user']}:{target['password']}@{target['host']}:"
            f"{target['port']}/{target['dbname']}"
        )
        checked = subprocess.run(
            [sys.executable, "-m", "qudao", "check-ledgers"],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "finance:" in checked.stdout and "inventory:" in checked.stdout
    finally:
        subprocess.run(["dropdb", "--if-exists", target["dbname"]], env=env, check=True)
