"""`qudao seed --scale small|medium|large`: the demo network, catalogue, prices, finance
(credit profiles, a year of invoices and payments) and inventory (warehouses, a year of stock
moves, serials and sell-out), then the demo logins as the last lines, so they are what a
person sees after running it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.demo.catalog import seed_catalog
from qudao.demo.finance import seed_finance, seed_statements
from qudao.demo.inventory import seed_inventory
from qudao.demo.pricing import seed_prices
from qudao.network.constants import OrgKind
from qudao.network.models import Org
from qudao.network.seed import SCALES, SeedError, SeedReport, demo_logins, login_table, seed_demo

KIND_ORDER = [kind.value for kind in OrgKind]


class Command(BaseCommand):
    help = "Create the deterministic demo data and one login per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only seed a database that has no org yet (what `make run` does)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Org.objects.exists():
            self.stdout.write("The database already has a network; not seeding.")
            logins = demo_logins()
        else:
            try:
                report = seed_demo(scale=options["scale"], stdout=self.stdout)
            except SeedError as exc:
                raise CommandError(str(exc)) from exc
            for line in self._summary(report):
                self.stdout.write(line)
            catalog = seed_catalog(scale=options["scale"])
            prices = seed_prices(scale=options["scale"])
            self.stdout.write(
                f"Catalogue: {catalog['products']} products, {catalog['skus']} SKUs, "
                f"{catalog['fitments']} fitments created. Prices: {prices['price_lists']} lists, "
                f"{prices['price_items']} prices, {prices['price_controls']} price controls."
            )
            finance = seed_finance(scale=options["scale"])
            self.stdout.write(
                f"Finance: {finance['positions']} positions, {finance['invoices']} invoices, "
                f"{finance['payments']} payments, {finance['entries']} ledger entries created "
                f"({finance['overdue']} buyers overdue past their tolerance)."
            )
            statements = seed_statements()
            self.stdout.write(
                f"Statements: {statements['statements']} drawn for last month "
                f"({statements['disputed']} disputed)."
            )
            stock = seed_inventory(scale=options["scale"])
            self.stdout.write(
                f"Inventory: {stock['warehouses']} warehouses, {stock['moves']} stock moves, "
                f"{stock['serials']} serials, {stock['sellouts']} sell-out records, "
                f"{stock['counts']} stock counts created ({stock['in_transit']} shipments in "
                "transit)."
            )
            logins = report.logins
        self.stdout.write("")
        for line in login_table(logins):
            self.stdout.write(line)

    def _summary(self, report: SeedReport) -> list[str]:
        created = report.created
        kinds = [k for k in KIND_ORDER if k in report.totals or created.get(k)]
        orgs = ", ".join(f"{k} {created.get(k, 0)}/{report.totals.get(k, 0)}" for k in kinds)
        return [
            f"Seed {report.scale} done in {report.seconds:.1f} s.",
            f"Orgs created/total: {orgs}.",
            f"Created {created['supply_links']} supply links, {created['users']} users, "
            f"{created['memberships']} memberships.",
        ]
