"""Property test: after any sequence of stock operations — valid or refused — every balance
equals its rows (on hand = Σ moves, reserved = Σ open reservations, in transit = Σ open
transit lines, tracked on hand = units held) and none is ever negative."""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qudao.core.errors import DomainError
from qudao.inventory import selectors, services
from qudao.inventory.models import Serial, Stock, StockMove, Transit
from qudao.inventory.services import Doc

OPS = [
    "receive",
    "adjust",
    "sell",
    "reserve",
    "release",
    "ship",
    "arrive",
    "transfer",
    "reverse",
    "count",
]
operations = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 2),  # warehouse
        st.booleans(),  # tracked SKU?
        st.sampled_from([1, 1, 2, 2, 3, 5, 0, -1]),  # quantity (0 and -1 must be refused)
        st.integers(0, 3),  # document
    ),
    min_size=1,
    max_size=18,
)


@pytest.mark.django_db
@settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_any_sequence_keeps_balances_equal_to_their_rows(w, ops):
    with transaction.atomic():  # each example starts from the fixture's state
        _run(w, ops)
        assert selectors.stock_mismatches() == []
        assert not Stock.objects.filter(on_hand__lt=0).exists()
        transaction.set_rollback(True)


def _units(warehouse, sku, n):  # type: ignore[no-untyped-def]
    return list(
        Serial.objects.filter(warehouse=warehouse, sku=sku, status="in_stock")
        .order_by("serial")
        .values_list("serial", flat=True)[: max(n, 0)]
    )


class Run:
    """One example: the world, an actor with every right, fresh serials on demand."""

    def __init__(self, w):  # type: ignore[no-untyped-def]
        self.w = w
        self.actor = w.net.admin
        self.places = [w.dist1, w.dealer1, w.dealer1_back]
        self.numbers = itertools.count(1)

    def new(self, n):  # type: ignore[no-untyped-def]
        return [f"P{next(self.numbers):05d}" for _ in range(max(n, 0))]

    def units(self, wh, sku, n):  # type: ignore[no-untyped-def]
        return _units(wh, sku, n) if sku.serial_tracked else ()

    def receive(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        serials = self.new(qty) if sku.serial_tracked else ()
        services.stock_receive(actor=self.actor, warehouse=wh, lines=[(sku, qty, serials)])

    def adjust(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        serials = self.new(qty) if qty > 0 else self.units(wh, sku, -qty)
        services.stock_adjust(
            actor=self.actor,
            warehouse=wh,
            lines=[(sku, qty, serials if sku.serial_tracked else ())],
            reason="prop",
        )

    def sell(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        services.retail_sale_post(
            actor=self.actor, warehouse=wh, lines=[(sku, qty, self.units(wh, sku, qty))]
        )

    def reserve(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        services.stock_reserve(actor=self.actor, warehouse=wh, lines=[(sku, qty)], doc=doc)

    def release(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        services.stock_release(actor=self.actor, doc=doc)

    def ship(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        source = self.w.dist1
        services.shipment_post(
            actor=self.actor,
            warehouse=source,
            to_warehouse=self.w.dealer1,
            lines=[(sku, qty, self.units(source, sku, qty))],
            doc=doc,
        )

    def arrive(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        transit = Transit.objects.filter(status="in_transit").order_by("pk").first()
        if transit is None:
            return
        if transit.kind == "transfer":
            services.transfer_receive(actor=self.actor, transit=transit)
        else:
            services.receipt_post(actor=self.actor, transit=transit)

    def transfer(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        services.transfer_send(
            actor=self.actor,
            from_warehouse=self.w.dealer1,
            to_warehouse=self.w.dealer1_back,
            lines=[(sku, qty, self.units(self.w.dealer1, sku, qty))],
        )

    def reverse(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        move = StockMove.objects.filter(transit__isnull=True).order_by("-pk").first()
        if move is not None:
            services.move_reverse(actor=self.actor, move=move, reason="prop")

    def count(self, wh, sku, qty, doc):  # type: ignore[no-untyped-def]
        count = services.count_create(actor=self.actor, warehouse=wh, skus=[sku])
        services.count_start(actor=self.actor, count=count)
        have = Stock.objects.filter(warehouse=wh, sku=sku).first()
        counted = max(0, (have.on_hand if have else 0) + qty // 2)
        serials = ()
        if sku.serial_tracked:
            here = _units(wh, sku, counted)
            serials = here + self.new(counted - len(here))
        services.count_enter(actor=self.actor, count=count, lines=[(sku, counted, serials)])
        services.count_post(actor=self.actor, count=count)


def _run(w, ops):  # type: ignore[no-untyped-def]
    run = Run(w)
    for wh, pads, bikes in ((w.dist1, 10, 6), (w.dealer1, 4, 3)):
        services.stock_receive(
            actor=run.actor, warehouse=wh, lines=[(w.pad, pads), (w.grey, bikes, run.new(bikes))]
        )
    for op, where, tracked, qty, doc_no in ops:
        sku = w.grey if tracked else w.pad
        doc = Doc("order", str(doc_no), f"SO-{doc_no}")
        try:
            getattr(run, op)(run.places[where], sku, qty, doc)
            event(f"{op} done")
        except DomainError as exc:  # refused: must leave everything as it was (checked below)
            event(f"{op} refused: {exc.code}")
