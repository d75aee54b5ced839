"""`qudao seed --scale small|medium|large`: the demo network, catalogue, prices, finance
(credit profiles, a year of invoices and payments), inventory (warehouses, a year of stock
moves, serials and sell-out), a year of orders between the tiers run through the order
services, last month's statements (which include the orders' invoices), then the demo logins
as the last lines, so they are what a person sees after running it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.demo.catalog import seed_catalog
from qudao.demo.dealers import seed_dealers
from qudao.demo.finance import seed_finance, seed_statements
from qudao.demo.inventory import seed_inventory
from qudao.demo.orders import seed_orders
from qudao.demo.pricing import seed_prices
from qudao.demo.promotions import end_finished_promotions, seed_promotions
from qudao.network.constants import OrgKind
from qudao.network.models import Org
from qudao.network.seed import SCALES, SeedError, SeedReport, demo_logins, login_table, seed_demo
from qudao.orders.constants import OrderStatus

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
        parser.add_argument(
            "--no-orders",
            action="store_true",
            help="leave out the year of orders, most of the seed's time (they cannot be added "
            "later: the statements drawn then close their months)",
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
            stock = seed_inventory(scale=options["scale"])
            self.stdout.write(
                f"Inventory: {stock['warehouses']} warehouses, {stock['moves']} stock moves, "
                f"{stock['serials']} serials, {stock['sellouts']} sell-out records, "
                f"{stock['counts']} stock counts created ({stock['in_transit']} shipments in "
                "transit)."
            )
            if not options["no_orders"]:
                promotions = seed_promotions()
                self.stdout.write(self._orders(seed_orders(scale=options["scale"])))
                ended = end_finished_promotions()
                self.stdout.write(
                    f"Promotions: {promotions['promotions']} in the calendar ({ended} over), "
                    f"{promotions['coupons']} coupons issued."
                )
            statements = seed_statements()
            self.stdout.write(
                f"Statements: {statements['statements']} drawn for last month "
                f"({statements['disputed']} disputed)."
            )
            if not options["no_orders"]:  # the dealers' demo reads the year of orders
                dealers = seed_dealers()
                self.stdout.write(
                    f"Dealers: {dealers['records']} lifecycle records, "
                    f"{dealers['territories']} territories, {dealers['documents']} documents, "
                    f"{dealers['contracts']} contracts with targets, a grading run of "
                    f"{dealers['results']} dealers, {dealers['applications']} applications."
                )
            logins = report.logins
        self.stdout.write("")
        for line in login_table(logins):
            self.stdout.write(line)

    def _orders(self, orders: dict[str, int]) -> str:
        states = ", ".join(
            f"{s.replace('_', ' ')} {orders[s]}"
            for s in OrderStatus.values
            if s != OrderStatus.SUBMITTED  # passed through within submit, never left in
        )
        refused = f" ({orders['refused']} steps refused)" if orders["refused"] else ""
        return (
            f"Orders: {orders['orders']} created through the order services ({states}); "
            f"{orders['returns']} returns and {orders['exchanges']} exchanges, "
            f"{orders['shipments']} shipments, {orders['invoices']} invoices{refused}."
        )

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
