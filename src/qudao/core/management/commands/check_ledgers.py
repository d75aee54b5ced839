"""`qudao check-ledgers`: every cached balance equals the sum of its ledger rows, for every
ledger an app registered in qudao.core.ledgers."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qudao.core.ledgers import checks


class Command(BaseCommand):
    help = "Verify that every balance equals the sum of its ledger rows; list differences."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for check in checks():
            found = check.run()
            for line in found:
                self.stdout.write(f"{check.name}: {line}")
            if not found:
                self.stdout.write(f"{check.name}: {check.ok_message}")
            total += len(found)
        if total:
            raise CommandError(f"{total} balance(s) differ from their ledgers")
