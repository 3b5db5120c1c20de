"""Work racing other work, each on its own database connection (a thread each): buyers
for the same stock, and any call started beside the test's own (`started`)."""

import threading

from django.db import close_old_connections, connection

from procurement.core.errors import ApplicationError
from procurement.orders import services
from procurement.orders.models import Order, OrderState
from tests.support.factories import ContactFactory, UserFactory


def race(offer, quantity: int, buyers: int) -> tuple[list[int], list[str], list[BaseException]]:
    contacts = [ContactFactory(user=UserFactory()) for _ in range(buyers)]
    baskets = [
        services.basket_add(
            user=contact.user,
            lines=[services.BasketLine(offer_id=offer.pk, quantity=quantity)],
        )
        and Order.objects.get(user=contact.user, state=OrderState.BASKET)
        for contact in contacts
    ]
    placed, refused, crashed = [], [], []
    start = threading.Barrier(buyers)

    def buyer(contact, basket):
        try:
            start.wait()
            order = services.order_place(
                buyer=contact.user, basket_id=basket.pk, contact_id=contact.pk
            )
            placed.append(order.pk)
        except ApplicationError as error:
            refused.append(error.code)
        except BaseException as error:
            crashed.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=buyer, args=(contact, basket))
        for contact, basket in zip(contacts, baskets, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return placed, refused, crashed


def started(function, results: list) -> threading.Thread:
    """`function()` running in a thread of its own, its result or its error appended to
    `results`, its database connection closed when it is done."""

    def run() -> None:
        try:
            results.append(function())
        except BaseException as error:
            results.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
