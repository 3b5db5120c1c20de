"""Emails, imports and exports travel on separate queues, each with its own worker (as in
docker-compose.yml): an order placed while a 100,000-goods import runs has its emails sent
within seconds, not after the import."""

import pytest
import redis

from harness.waiting import wait_until
from procurement.notifications.models import OutboundEmail
from procurement.pricelists import services as pricelist_services
from procurement.pricelists.models import ImportJob, JobState
from tests.support.celery_worker import CeleryWorker
from tests.support.factories import ContactFactory, OfferFactory, SupplierFactory
from tests.support.orders import fill_basket
from tests.support.pricelists import as_json, generated

pytestmark = pytest.mark.django_db(transaction=True)

GOODS = 100_000
IMPORT_MAX_BYTES = 100_000_000
EMAILS_WITHIN_SECONDS = 10


@pytest.fixture
def queue_workers(transactional_db, redis_server, smtp_server, settings):
    """One worker for emails (and the periodic maintenance), one for imports and exports."""
    from config.celery import app

    redis.Redis.from_url(redis_server.url).flushdb()
    settings.CELERY_BROKER_URL = redis_server.url
    settings.IMPORT_MAX_BYTES = IMPORT_MAX_BYTES
    previous_broker = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_TIMEOUT": "5",
        "IMPORT_MAX_BYTES": str(IMPORT_MAX_BYTES),
    }
    workers = {}
    try:
        for name, queues in (
            ("emails", ["emails", "procurement"]),
            ("jobs", ["imports", "exports"]),
        ):
            workers[name] = CeleryWorker(
                broker_url=redis_server.url, extra_env=env, queues=queues
            ).start()
        yield workers
    finally:
        if "jobs" in workers:
            workers["jobs"].kill()  # the import need not finish: its transaction rolls back
        if "emails" in workers:
            workers["emails"].stop()
        app.conf.broker_url = previous_broker


def test_an_order_s_emails_leave_while_a_large_import_runs(
    queue_workers, smtp_server, buyer, buyer_client
):
    contact = ContactFactory(user=buyer)
    first, second = OfferFactory(quantity=5), OfferFactory(quantity=5)
    basket = fill_basket(buyer, (first, 1), (second, 2))
    job = pricelist_services.import_job_create(
        supplier=SupplierFactory(),
        chunks=[as_json(generated(GOODS, shop="Большой поставщик"))],
        filename="goods.json",
    )
    wait_until(
        lambda: ImportJob.objects.get(pk=job.pk).state == JobState.RUNNING,
        timeout=60,
        message=queue_workers["jobs"].log,
    )

    response = buyer_client.post(
        "/api/v1/order", {"id": basket.pk, "contact": contact.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    # The order's four emails arrive within the deadline (wait_for fails otherwise).
    messages = smtp_server.wait_for(4, timeout=EMAILS_WITHIN_SECONDS)

    assert buyer.email in [message["To"] for message in messages]
    # The import was still running: the emails did not wait for it.
    assert ImportJob.objects.get(pk=job.pk).state == JobState.RUNNING
    assert "procurement.pricelists.tasks.do_import[" in queue_workers["jobs"].log()
    assert "procurement.notifications.tasks.send_email[" in queue_workers["emails"].log()
    wait_until(
        lambda: OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 4,
        timeout=10,
        message=queue_workers["emails"].log,
    )
