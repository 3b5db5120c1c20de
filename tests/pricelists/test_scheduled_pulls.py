"""Scheduled pulls: a supplier's price-list URL pulled every hour or day on Celery beat,
each pull an import job; a list that did not change (ETag / Last-Modified) is not imported
again; the URL follows the rules of an import's URL."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from procurement.pricelists.models import ImportJob, JobState, PriceListSource
from procurement.pricelists.services import sources_pull_due
from procurement.pricelists.tasks import pull_price_lists
from tests.support.factories import SupplierFactory
from tests.support.pricelists import as_yaml, catalog_snapshot, shop1_bytes, shop1_document

pytestmark = pytest.mark.django_db

SOURCE = "/api/v1/partner/source"


class PriceListServer(BaseHTTPRequestHandler):
    """Serves `server.body` with `server.etag` and `server.modified`, and answers 304 when
    the request's validators match."""

    def do_GET(self):
        server = self.server
        server.seen.append(
            (self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"))
        )
        unchanged = (
            self.headers.get("If-None-Match") == server.etag
            if server.etag
            else self.headers.get("If-Modified-Since") == server.modified
        )
        if unchanged:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        if server.etag:
            self.send_header("ETag", server.etag)
        self.send_header("Last-Modified", server.modified)
        self.send_header("Content-Length", str(len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def price_server(settings):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), PriceListServer)
    httpd.seen, httpd.body = [], shop1_bytes()
    httpd.etag, httpd.modified = '"v1"', "Mon, 30 Nov 2026 06:00:00 GMT"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
    httpd.url = f"http://127.0.0.1:{httpd.server_port}/list.yaml"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def pull(commit_callbacks, *, at=None) -> list[ImportJob]:
    with commit_callbacks():
        job_ids = sources_pull_due(now=at)
    return [ImportJob.objects.get(pk=job_id) for job_id in job_ids]


def test_set_read_and_stop_a_schedule(supplier_client, supplier, price_server):
    assert supplier_client.get(SOURCE).status_code == 404  # off by default
    response = supplier_client.put(
        SOURCE, {"url": price_server.url, "every": "daily"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "Status": True,
        "url": price_server.url,
        "every": "daily",
        "last_pulled_at": None,
    }
    assert supplier_client.get(SOURCE).json()["every"] == "daily"
    assert supplier_client.delete(SOURCE).json() == {"Status": True}
    assert not PriceListSource.objects.exists()
    assert supplier_client.delete(SOURCE).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://10.0.0.1/list.yaml", "every": "daily"},
        {"url": "http://127.0.0.1/list.yaml", "every": "hourly"},
        {"url": "ftp://example.com/list.yaml", "every": "daily"},
        {"url": "https://example.com/list.yaml", "every": "weekly"},
        {"url": "https://example.com/list.yaml"},
    ],
)
def test_a_refused_schedule_is_400_and_stores_nothing(supplier_client, supplier, body):
    response = supplier_client.put(SOURCE, body, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert not PriceListSource.objects.exists()


def test_the_schedule_is_for_suppliers_only(buyer_client):
    assert (
        buyer_client.put(SOURCE, {"url": "https://example.com/x", "every": "daily"}).status_code
        == 403
    )


def test_a_pull_imports_and_an_unchanged_list_is_not_imported_again(
    supplier_client, supplier, price_server, commit_callbacks
):
    supplier_client.put(SOURCE, {"url": price_server.url, "every": "hourly"}, format="json")
    start = timezone.now()
    [first] = pull(commit_callbacks, at=start)
    first.refresh_from_db()
    assert (first.state, first.scheduled, first.created, first.source) == (
        JobState.DONE,
        True,
        14,
        price_server.url,
    )
    assert price_server.seen == [(None, None)]
    assert PriceListSource.objects.get().etag == '"v1"'

    assert pull(commit_callbacks, at=start + timedelta(minutes=30)) == []  # not due yet

    before = catalog_snapshot()
    [second] = pull(commit_callbacks, at=start + timedelta(hours=1))
    second.refresh_from_db()
    assert price_server.seen[-1] == ('"v1"', "Mon, 30 Nov 2026 06:00:00 GMT")
    assert (second.state, second.created, second.updated, second.withdrawn) == (
        JobState.DONE,
        0,
        0,
        0,
    )
    assert [warning["message"] for warning in second.warnings] == [
        "url: The price list did not change since the last pull: nothing was imported."
    ]
    assert catalog_snapshot() == before

    document = shop1_document()
    document["goods"][0]["price"] = 1
    price_server.body, price_server.etag = as_yaml(document), '"v2"'
    [third] = pull(commit_callbacks, at=start + timedelta(hours=2))
    third.refresh_from_db()
    assert (third.state, third.updated) == (JobState.DONE, 1)
    assert PriceListSource.objects.get().etag == '"v2"'

    history = supplier_client.get("/api/v1/partner/imports").json()["results"]
    assert [(job["id"], job["scheduled"]) for job in history] == [
        (third.pk, True),
        (second.pk, True),
        (first.pk, True),
    ]


def test_last_modified_alone_is_enough(supplier, price_server, commit_callbacks):
    price_server.etag = ""
    PriceListSource.objects.create(supplier=supplier, url=price_server.url, every="daily")
    start = timezone.now()
    pull(commit_callbacks, at=start)
    assert pull(commit_callbacks, at=start + timedelta(hours=23)) == []
    [again] = pull(commit_callbacks, at=start + timedelta(days=1))
    again.refresh_from_db()
    assert price_server.seen[-1] == (None, "Mon, 30 Nov 2026 06:00:00 GMT")
    assert again.warnings[0]["field"] == "url" and again.created == 0


def test_a_pull_follows_the_url_rules_at_pull_time(
    supplier, price_server, commit_callbacks, settings
):
    PriceListSource.objects.create(supplier=supplier, url=price_server.url, every="daily")
    settings.IMPORT_ALLOWED_HOSTS = []
    before = catalog_snapshot()
    [job] = pull(commit_callbacks)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.errors[0]["message"] == (
        "The host 127.0.0.1 resolves to a non-public address; it is refused."
    )
    assert price_server.seen == []
    assert catalog_snapshot() == before


def test_a_failed_list_is_pulled_again_whole(supplier, price_server, commit_callbacks):
    """The validators are kept only from a list that was imported: a refused one is
    fetched again at the next pull, and its job says why."""
    price_server.body = b"shop: ["
    PriceListSource.objects.create(supplier=supplier, url=price_server.url, every="hourly")
    start = timezone.now()
    [job] = pull(commit_callbacks, at=start)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert PriceListSource.objects.get().etag == ""
    pull(commit_callbacks, at=start + timedelta(hours=1))
    assert price_server.seen == [(None, None), (None, None)]


def test_a_pull_still_running_is_not_started_twice(supplier, price_server):
    PriceListSource.objects.create(supplier=supplier, url=price_server.url, every="hourly")
    ImportJob.objects.create(supplier=supplier, url=price_server.url, source="x", scheduled=True)
    assert sources_pull_due() == []


def test_beat_runs_the_pulls(supplier, price_server, commit_callbacks):
    entry = django_settings.CELERY_BEAT_SCHEDULE["pull-price-lists"]
    assert entry["task"] == "procurement.pricelists.tasks.pull_price_lists"
    other = SupplierFactory()
    PriceListSource.objects.create(supplier=other, url=price_server.url, every="daily")
    with commit_callbacks():
        pull_price_lists()
    job = ImportJob.objects.get(supplier=other)
    assert (job.state, job.created) == (JobState.DONE, 14)
