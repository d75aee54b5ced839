"""Ledger checks, registered by each app that keeps a ledger (finance balances, inventory
stock) so `qudao check-ledgers` verifies all of them without core knowing the apps.

A check is a function returning one human-readable line per difference it finds."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerCheck:
    name: str
    run: Callable[[], list[str]]
    ok_message: str


_checks: dict[str, LedgerCheck] = {}


def register(check: LedgerCheck) -> LedgerCheck:
    _checks[check.name] = check
    return check


def checks() -> list[LedgerCheck]:
    return sorted(_checks.values(), key=lambda c: c.name)
