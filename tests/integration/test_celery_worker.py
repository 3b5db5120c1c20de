"""Tasks through Redis to a real Celery worker process, emails to a real SMTP server."""

import time

import pytest

from procurement.notifications.models import OutboundEmail
from procurement.orders.models import Order
from tests.catalog.factories import ProductInfoFactory
from tests.factories import ContactFactory
from tests.orders.conftest import fill_basket

pytestmark = pytest.mark.django_db(transaction=True)


def place_order_through_the_api(client, buyer):
    contact = ContactFactory(user=buyer)
    first = ProductInfoFactory(quantity=5, product__name="Телевизор")
    second = ProductInfoFactory(quantity=5, product__name="Кабель")
    basket = fill_basket(buyer, (first, 1), (second, 2))
    response = client.post("/api/v1/order", {"id": basket.id, "contact": contact.id}, format="json")
    assert response.status_code == 200
    return Order.objects.get(pk=basket.id), first, second


def test_order_emails_travel_through_redis_and_the_worker(
    celery_worker, smtp_server, buyer, buyer_client, settings
):
    order, first, second = place_order_through_the_api(buyer_client, buyer)

    messages = smtp_server.wait_for(4, timeout=30)

    recipients = sorted(message["To"] for message in messages)
    assert recipients == sorted(
        [buyer.email, settings.ORDER_ADMIN_EMAIL, first.shop.user.email, second.shop.user.email]
    )
    assert "procurement.notifications.tasks.send_email" in celery_worker.log()
    assert "succeeded" in celery_worker.log()
    deadline = time.monotonic() + 10
    while OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert order.state == "new"


def test_smtp_down_then_back_the_email_arrives_after_a_retry(
    celery_worker, smtp_server, buyer, buyer_client
):
    smtp_server.stop()
    order, _first, _second = place_order_through_the_api(buyer_client, buyer)
    assert Order.objects.get(pk=order.pk).state == "new"  # the order does not wait for email

    deadline = time.monotonic() + 20
    while not OutboundEmail.objects.filter(state=OutboundEmail.State.FAILED).exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.1)
    failed = OutboundEmail.objects.filter(state=OutboundEmail.State.FAILED).first()
    assert "Connection refused" in failed.last_error or failed.last_error

    smtp_server.start()
    messages = smtp_server.wait_for(4, timeout=60)
    assert buyer.email in [message["To"] for message in messages]
    deadline = time.monotonic() + 10
    while OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert max(OutboundEmail.objects.values_list("attempts", flat=True)) >= 2
    assert "Retry in" in celery_worker.log()
