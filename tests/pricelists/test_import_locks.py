"""An import and buyers' checkouts on the same offers: the import locks offers in
primary-key order as `order_place` does, so they wait for each other instead of
deadlocking; an import that still meets a deadlock is tried again.

The interleavings are forced with row locks held from another connection (PostgreSQL);
the last test races real checkouts against imports on whichever database the suite runs.
"""

import logging
import threading
from contextlib import contextmanager
from decimal import Decimal

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection

from harness.waiting import wait_until
from procurement.catalog.models import Category, Offer, Product, Shop
from procurement.orders.models import Order, OrderItem, OrderState
from procurement.pricelists import stream
from procurement.pricelists.models import ImportJob, JobState
from procurement.pricelists.services import import_pricelist
from tests.support.clients import client_for
from tests.support.database import lock_waiters
from tests.support.factories import ContactFactory, SupplierFactory, UserFactory
from tests.support.pricelists import as_yaml, generated, shop1_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's (SQLite writers take turns)")


def price_list(*, price: int, goods: int = 2, quantity: int = 1000) -> bytes:
    document = generated(goods, shop="Склад")
    for good in document["goods"]:
        good.update(price=price, quantity=quantity)
    return as_yaml(document)


def other_connection(deadlock_timeout: str) -> psycopg.Connection:
    """A connection of its own, in a transaction, like a checkout's."""
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{key: value for key, value in params.items() if key != "cursor_factory"}
    )
    other.execute(f"SET deadlock_timeout = '{deadlock_timeout}'")
    return other


def lock_offer(other: psycopg.Connection, offer_id: int) -> None:
    """What order_place does to each offer of the basket, in primary-key order."""
    other.execute(
        "SELECT id FROM catalog_offer WHERE id = %s FOR NO KEY UPDATE", [offer_id]
    ).fetchall()


def wait_until_blocked(other: psycopg.Connection | None = None, timeout: float = 30) -> None:
    """Until a backend other than `other` waits for a lock (the import, in its thread)."""
    besides = other.info.backend_pid if other else 0
    wait_until(
        lambda: lock_waiters(besides=besides),
        timeout=timeout,
        interval=0.02,
        message="the import never waited for the held lock",
    )


class InThread:
    """Run `function` on a thread (with its own database connection); keep what it did."""

    def __init__(self, function, *args):
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, args=(function, *args))
        self.thread.start()

    def _run(self, function, *args):
        try:
            self.result = function(*args)
        except BaseException as error:
            self.error = error
        finally:
            connection.close()

    def join(self) -> "InThread":
        self.thread.join(timeout=120)
        assert not self.thread.is_alive()
        return self


def import_with_deadlock_timeout(owner, data: bytes, deadlock_timeout: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SET deadlock_timeout = '{deadlock_timeout}'")
    return import_pricelist(supplier=owner, data=data, source="test", filename="list.yaml")


@pytest.fixture
def two_offers(supplier):
    """The supplier's offers 1 and 2 (external ids), first in primary-key order first."""
    import_pricelist(supplier=supplier, data=price_list(price=100), source="setup")
    first, second = Offer.objects.filter(shop__user=supplier).order_by("pk")
    return first, second


def test_an_import_waits_for_a_checkout_instead_of_deadlocking(supplier, two_offers):
    """A checkout holds offer 1 and will want offer 2; the import withdraws offer 1 and
    changes offer 2. Updating them in its own order (2, then 1) the import held 2 while
    waiting for 1: a deadlock, and the checkout (checked first here) was its victim."""
    postgres_only()
    first, second = two_offers
    document = generated(2, shop="Склад")
    document["goods"] = [dict(document["goods"][1], price=555, quantity=1000)]  # 1 withdrawn
    checkout = other_connection(deadlock_timeout="100ms")
    try:
        lock_offer(checkout, first.pk)
        importing = InThread(import_with_deadlock_timeout, supplier, as_yaml(document), "10s")
        wait_until_blocked(checkout)
        lock_offer(checkout, second.pk)  # a deadlock error here with the old lock order
        for offer in (first, second):
            checkout.execute(
                "UPDATE catalog_offer SET quantity = quantity - 1 WHERE id = %s", [offer.pk]
            )
        checkout.commit()
    finally:
        checkout.close()
    importing.join()

    assert importing.error is None, importing.error
    result = importing.result
    assert (result.created, result.updated, result.withdrawn) == (0, 1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_withdrawn, first.quantity) == (True, 999)  # the checkout's unit is taken
    assert (second.is_withdrawn, second.price, second.quantity) == (False, Decimal("555"), 1000)


def test_an_import_that_meets_a_deadlock_is_tried_again(supplier, two_offers, caplog):
    """A transaction holding offer 1 then wanting the shop the import has locked: a real
    deadlock with the import as its victim. The import is rolled back and run again."""
    postgres_only()
    first, _second = two_offers
    shop = Shop.objects.get(user=supplier)
    other = other_connection(deadlock_timeout="10s")
    caplog.set_level(logging.WARNING, logger="procurement.core.db")
    try:
        lock_offer(other, first.pk)
        importing = InThread(import_with_deadlock_timeout, supplier, price_list(price=777), "100ms")
        wait_until_blocked(other)
        # Waits for the import's lock on the shop until the import is chosen as the victim.
        other.execute("SELECT id FROM catalog_shop WHERE id = %s FOR UPDATE", [shop.pk]).fetchall()
        other.commit()
    finally:
        other.close()
    importing.join()

    assert importing.error is None, importing.error
    assert importing.result.updated == 2
    assert set(Offer.objects.filter(shop=shop).values_list("price", flat=True)) == {Decimal("777")}
    retries = [record for record in caplog.records if "attempt 1 of 3" in record.getMessage()]
    assert len(retries) == 1, [record.getMessage() for record in caplog.records]
    assert "deadlock" in retries[0].getMessage()


def test_a_rename_waits_for_an_import_filing_goods_under_the_category(supplier):
    """Another shop's import has filed goods under 224 and not committed yet; the first
    shop's import renaming 224 waits for it, then sees its goods and keeps the name."""
    postgres_only()
    import_pricelist(supplier=supplier, data=shop1_bytes(), source="setup")
    joining_list = generated(1, shop="Новый")
    joining_list["categories"] = [{"id": 224, "name": "Смартфоны"}]
    joining_list["goods"][0]["category"] = 224
    renaming_list = generated(1, shop="Связной")
    renaming_list["categories"] = [{"id": 224, "name": "Другое имя"}]
    renaming_list["goods"][0]["category"] = 224
    categories_done, go_on = threading.Event(), threading.Event()

    def pause_after_categories(stage: str) -> None:
        if stage == "products":
            categories_done.set()
            go_on.wait(30)

    joining = InThread(
        lambda: import_pricelist(
            supplier=SupplierFactory(),
            data=as_yaml(joining_list),
            source="test",
            progress=pause_after_categories,
        )
    )
    try:
        assert categories_done.wait(30)
        renaming = InThread(import_with_deadlock_timeout, supplier, as_yaml(renaming_list), "10s")
        wait_until_blocked()  # the rename waits for the joining import to commit
    finally:
        go_on.set()
    joining.join()
    renaming.join()

    assert (joining.error, renaming.error) == (None, None)
    assert Category.objects.get(id=224).name == "Смартфоны"
    assert [warning["id"] for warning in renaming.result.warnings] == [224]
    assert Offer.objects.filter(product__category=224, shop__name="Новый").count() == 1


def test_a_sheet_stored_in_parts_that_meets_a_deadlock_is_read_again(supplier, caplog):
    """A spreadsheet stores its products part by part. Another transaction creates a product
    of the sheet's second part, then one the first part created: a deadlock with the import
    as its victim. The import is rolled back, reads its file again and ends as if alone."""
    postgres_only()
    document = generated(6, shop="Склад")
    # The categories exist, committed by another shop's list.
    setup = generated(1)
    setup["goods"][0]["name"] = "Другой товар"
    import_pricelist(supplier=SupplierFactory(), data=as_yaml(setup), source="setup")
    names = {category["id"]: category["name"] for category in document["categories"]}
    lines = ["id,category,category_name,model,name,price,price_rrc,quantity"] + [
        f"{good['id']},{good['category']},{names[good['category']]},,{good['name']},10,12,3"
        for good in document["goods"]
    ]
    data = "\n".join(lines).encode()
    parts_started, paused, go_on = [], threading.Event(), threading.Event()

    def pause_before_the_second_part(stage: str) -> None:
        if stage == "categories":
            parts_started.append(stage)
            if len(parts_started) == 2:
                paused.set()
                go_on.wait(30)

    def run():
        with connection.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '100ms'")
        return import_pricelist(
            supplier=supplier,
            data=data,
            source="test",
            filename="list.csv",
            progress=pause_before_the_second_part,
        )

    caplog.set_level(logging.WARNING, logger="procurement.core.db")
    other = other_connection(deadlock_timeout="10s")
    insert = "INSERT INTO catalog_product (category_id, name) VALUES (%s, %s)"
    try:
        with override_part_size(3):
            importing = InThread(run)
            assert paused.wait(30)
            fourth = document["goods"][3]
            other.execute(insert, [fourth["category"], fourth["name"]])
            go_on.set()
            wait_until_blocked(other)  # the import waits for the other's product
            first = document["goods"][0]
            other.execute(insert, [first["category"], first["name"]])  # the deadlock
            other.commit()
            importing.join()
    finally:
        go_on.set()
        other.close()

    assert importing.error is None, importing.error
    assert importing.result.created == 6
    retries = [record for record in caplog.records if "attempt 1 of 3" in record.getMessage()]
    assert len(retries) == 1 and "deadlock" in retries[0].getMessage()
    offers = Offer.objects.filter(shop__user=supplier).select_related("product")
    assert sorted(offer.product.name for offer in offers) == [
        good["name"] for good in document["goods"]
    ]
    # The products the other transaction created are the ones the import files goods under.
    assert Product.objects.filter(name=first["name"]).count() == 1
    assert Product.objects.filter(name=fourth["name"]).count() == 1


@contextmanager
def override_part_size(size: int):
    previous, stream.PART_SIZE = stream.PART_SIZE, size
    try:
        yield
    finally:
        stream.PART_SIZE = previous


ROUNDS = 4
BUYERS = 4
ORDERS_EACH = 5
QUANTITY = 1000


def test_imports_while_buyers_check_out_no_errors_and_stock_adds_up(supplier, two_offers, caplog):
    """Imports rewrite price and stock of the offers buyers are ordering. Every request
    succeeds, and each offer's stock is what the last import set minus what was ordered
    after it (those lines carry the last import's price; each import has its own)."""
    offers = two_offers
    contacts = [ContactFactory(user=UserFactory()) for _ in range(BUYERS)]
    statuses: list[tuple[str, int]] = []
    crashed: list[BaseException] = []
    start = threading.Barrier(BUYERS + 1)

    def buyer(contact):
        client = client_for(contact.user)
        client.raise_request_exception = False  # a 500 is a status to count, not a crash
        try:
            start.wait()
            for _order in range(ORDERS_EACH):
                items = [{"product_info": offer.pk, "quantity": 1} for offer in offers]
                response = client.post("/api/v1/basket", {"items": items}, format="json")
                statuses.append(("basket", response.status_code))
                basket = Order.objects.get(user=contact.user, state=OrderState.BASKET)
                response = client.post(
                    "/api/v1/order", {"id": basket.pk, "contact": contact.pk}, format="json"
                )
                statuses.append(("order", response.status_code))
        except BaseException as error:
            crashed.append(error)
        finally:
            connection.close()

    def importer():
        client = client_for(supplier)
        client.raise_request_exception = False
        try:
            start.wait()
            for round_ in range(1, ROUNDS + 1):
                upload = SimpleUploadedFile("list.yaml", price_list(price=100 + round_))
                response = client.post(
                    "/api/v1/partner/update", {"file": upload}, format="multipart"
                )
                statuses.append(("import", response.status_code))
        except BaseException as error:
            crashed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(contact,)) for contact in contacts]
    threads.append(threading.Thread(target=importer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    close_old_connections()

    assert crashed == []
    assert sorted(set(statuses)) == [("basket", 201), ("import", 202), ("order", 200)]
    assert len(statuses) == BUYERS * ORDERS_EACH * 2 + ROUNDS
    # Retried deadlocks would still end well, up to a point: there must be none.
    assert [r.getMessage() for r in caplog.records if "deadlock" in r.getMessage()] == []
    jobs = ImportJob.objects.filter(supplier=supplier)
    assert [job.state for job in jobs] == [JobState.DONE] * ROUNDS
    assert Order.objects.filter(state=OrderState.NEW).count() == BUYERS * ORDERS_EACH
    for offer in offers:
        offer.refresh_from_db()
        after_last_import = OrderItem.objects.filter(
            offer=offer, order__state=OrderState.NEW, price=offer.price
        ).count()
        assert offer.price in {Decimal(100 + round_) for round_ in range(1, ROUNDS + 1)}
        assert offer.quantity == QUANTITY - after_last_import


def test_a_switch_set_during_the_first_import_reaches_the_new_shop(supplier):
    """`POST partner/state` before the first price list locks the account, writes the
    switch, commits; the first import, creating the shop meanwhile, waits for that lock and
    creates the shop with the switch as it was just set, not as it was before."""
    postgres_only()
    switching = other_connection(deadlock_timeout="1s")
    try:
        switching.execute(
            "SELECT id FROM accounts_user WHERE id = %s FOR UPDATE", [supplier.pk]
        ).fetchall()
        importing = InThread(import_with_deadlock_timeout, supplier, shop1_bytes(), "10s")
        wait_until_blocked(switching)
        switching.execute(
            "UPDATE accounts_user SET new_shop_accepts_orders = false WHERE id = %s",
            [supplier.pk],
        )
        switching.commit()
    finally:
        switching.close()
    importing.join()

    assert importing.error is None, importing.error
    assert Shop.objects.get(user=supplier).accepts_orders is False
