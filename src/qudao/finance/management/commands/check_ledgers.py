"""`qudao check-ledgers`: every cached balance equals the sum of its ledger entries."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qudao.finance.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Verify that every balance equals the sum of its ledger entries; list differences."

    def handle(self, *args: Any, **options: Any) -> None:
        found = ledger_mismatches()
        for m in found:
            self.stdout.write(
                f"position {m.position_id} {m.account}: balance {m.balance} ≠ ledger {m.ledger_sum}"
            )
        if found:
            raise CommandError(f"{len(found)} balance(s) differ from their ledgers")
        self.stdout.write("ledgers: every balance equals the sum of its entries")
