"""Tasks through Redis to a real Celery worker process, emails to a real SMTP server."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from procurement.notifications.models import OutboundEmail
from procurement.orders.models import Order
from tests.support.factories import ContactFactory, OfferFactory
from tests.support.orders import fill_basket

pytestmark = pytest.mark.django_db(transaction=True)


def place_order_through_the_api(client, buyer):
    contact = ContactFactory(user=buyer)
    first = OfferFactory(quantity=5, product__name="Телевизор")
    second = OfferFactory(quantity=5, product__name="Кабель")
    basket = fill_basket(buyer, (first, 1), (second, 2))
    response = client.post("/api/v1/order", {"id": basket.id, "contact": contact.id}, format="json")
    assert response.status_code == 200
    return Order.objects.get(pk=basket.id), first, second


def all_emails_sent() -> bool:
    return not OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists()


def test_order_emails_travel_through_redis_and_the_worker(
    celery_worker, smtp_server, buyer, buyer_client, settings
):
    order, first, second = place_order_through_the_api(buyer_client, buyer)

    messages = smtp_server.wait_for(4, timeout=30)

    recipients = sorted(message["To"] for message in messages)
    assert recipients == sorted(
        [buyer.email, settings.ORDER_ADMIN_EMAIL, first.shop.user.email, second.shop.user.email]
    )
    wait_until(all_emails_sent, timeout=10, message=celery_worker.log)
    assert Order.objects.get(pk=order.pk).state == "new"  # sending emails changes no order
    wait_until(lambda: "succeeded" in celery_worker.log(), timeout=10, message=celery_worker.log)
    # One task carried the four emails of the order.
    assert celery_worker.log().count("procurement.notifications.tasks.send_email[") == 2


def test_smtp_down_then_back_the_email_arrives_after_a_retry(
    celery_worker, smtp_server, buyer, buyer_client
):
    smtp_server.stop()
    order, _first, _second = place_order_through_the_api(buyer_client, buyer)
    assert Order.objects.get(pk=order.pk).state == "new"  # the order does not wait for email

    failed = wait_until(
        OutboundEmail.objects.filter(state=OutboundEmail.State.FAILED).first,
        timeout=20,
        message=celery_worker.log,
    )
    assert "Connection refused" in failed.last_error, failed.last_error

    smtp_server.start()
    messages = smtp_server.wait_for(4, timeout=60)
    assert buyer.email in [message["To"] for message in messages]
    wait_until(all_emails_sent, timeout=10, message=celery_worker.log)
    assert max(OutboundEmail.objects.values_list("attempts", flat=True)) >= 2
    assert "Retry in" in celery_worker.log()


def import_transaction_open() -> bool:
    """Whether another connection holds an open write transaction on the catalog."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
                "WHERE pg_class.relname LIKE 'catalog_%%' AND pg_locks.mode = 'RowExclusiveLock' "
                "AND pg_locks.pid <> pg_backend_pid()"
            )
            return cursor.fetchone() is not None
    import sqlite3

    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_an_import_job_runs_on_the_worker(celery_worker, supplier, supplier_client):
    from procurement.pricelists.models import ImportJob
    from tests.support.pricelists import shop1_bytes

    upload = SimpleUploadedFile("shop1.yaml", shop1_bytes(), content_type="application/x-yaml")
    response = supplier_client.post("/api/v1/partner/update", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job_id = response.json()["job"]

    wait_until(
        lambda: ImportJob.objects.get(pk=job_id).state == "done",
        timeout=60,
        message=celery_worker.log,
    )
    job = ImportJob.objects.get(pk=job_id)
    assert (job.created, job.attempts) == (14, 1)
    assert Offer.objects.filter(shop__user=supplier).count() == 14
    # The worker logs the task's success after the job's own transaction has committed.
    wait_until(
        lambda: f"do_import[{job.task_id}] succeeded" in celery_worker.log(),
        timeout=10,
        message=celery_worker.log,
    )


def test_a_worker_killed_mid_import_leaves_the_catalog_and_the_job_is_retried(
    celery_worker, supplier, supplier_client
):
    from procurement.pricelists.models import ImportJob
    from tests.support.pricelists import as_yaml, catalog_snapshot, generated, shop1_bytes

    first = SimpleUploadedFile("shop1.yaml", shop1_bytes(), content_type="application/x-yaml")
    supplier_client.post("/api/v1/partner/update", {"file": first}, format="multipart")
    wait_until(
        lambda: ImportJob.objects.filter(state="done").exists(),
        timeout=60,
        message=celery_worker.log,
    )
    before = catalog_snapshot()

    big = SimpleUploadedFile(
        "big.yaml", as_yaml(generated(15_000)), content_type="application/x-yaml"
    )
    response = supplier_client.post("/api/v1/partner/update", {"file": big}, format="multipart")
    job_id = response.json()["job"]
    # On SQLite any writer holds the lock, the job's claim too: kill only once the claim has
    # committed, so that what dies is the import itself.
    wait_until(
        lambda: ImportJob.objects.get(pk=job_id).state == "running" and import_transaction_open(),
        timeout=120,
        message="the import never opened its transaction",
    )

    celery_worker.kill_pool_process()

    assert catalog_snapshot() == before
    assert ImportJob.objects.get(pk=job_id).state != "done"
    wait_until(
        lambda: ImportJob.objects.get(pk=job_id).state in {"done", "failed"},
        timeout=180,
        message=celery_worker.log,
    )
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "done"
    assert job.attempts == 2
    assert job.created == 15_000
    assert Offer.objects.filter(shop__user=supplier, is_withdrawn=False).count() == 15_000
    wait_until(
        lambda: "WorkerLostError" in celery_worker.log() or "signal 9" in celery_worker.log(),
        timeout=10,
        message=celery_worker.log,
    )
