"""A whole worker node is lost mid-import (main process, pool and all, SIGKILL): nothing
requeues its task and the broker would redeliver it only after its visibility timeout (an
hour). The job's lease runs out instead, and the recover-jobs beat task of another worker
starts it again: it ends done once, with the catalog holding its offers once."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from procurement.pricelists.models import ImportJob, JobState
from tests.support.celery_worker import CeleryWorker
from tests.support.pricelists import as_yaml, generated

pytestmark = pytest.mark.django_db(transaction=True)

GOODS = 40
BODY = as_yaml(generated(GOODS))
LEASE_SECONDS = 3


class FirstDownloadHangs(BaseHTTPRequestHandler):
    """The first download sends half the price list and then stalls (until its client is
    gone, or the test ends); later ones get the whole list at once."""

    def do_GET(self):
        self.server.requests += 1
        first = self.server.requests == 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        try:
            if first:
                self.wfile.write(BODY[: len(BODY) // 2])
                self.wfile.flush()
                self.server.test_over.wait(120)
            else:
                self.wfile.write(BODY)
        except OSError:
            pass  # the worker that asked is dead

    def log_message(self, *args):
        pass


@pytest.fixture
def price_list_server(settings):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FirstDownloadHangs)
    httpd.requests = 0
    httpd.test_over = threading.Event()
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.test_over.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def workers(transactional_db, redis_server, settings, price_list_server):
    """Start workers (`workers(beat=...)`) on a test broker; all are stopped at the end."""
    from config.celery import app

    redis.Redis.from_url(redis_server.url).flushdb()
    settings.CELERY_BROKER_URL = redis_server.url
    previous_broker = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    started: list[CeleryWorker] = []
    env = {
        "IMPORT_ALLOWED_HOSTS": settings.IMPORT_ALLOWED_HOSTS[0],
        "IMPORT_FETCH_DEADLINE_SECONDS": "300",  # the stalled download outlives the test
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "MAINTENANCE_INTERVAL_SECONDS": "1",
    }

    def start(*, beat: bool) -> CeleryWorker:
        worker = CeleryWorker(broker_url=redis_server.url, extra_env=env, beat=beat)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
    app.conf.broker_url = previous_broker


def test_a_lost_worker_node_s_import_is_started_again_and_done_once(
    workers, price_list_server, supplier, supplier_client
):
    first = workers(beat=False)
    url = f"http://127.0.0.1:{price_list_server.server_port}/list.yaml"
    response = supplier_client.post("/api/v1/partner/update", {"url": url}, format="json")
    assert response.status_code == 202
    job_id = response.json()["job"]

    def job() -> ImportJob:
        return ImportJob.objects.get(pk=job_id)

    # In progress: claimed by the worker, halfway through its download, its lease renewed.
    wait_until(lambda: price_list_server.requests == 1, timeout=60, message=first.log)
    claimed = job()
    assert (claimed.state, claimed.attempts) == (JobState.RUNNING, 1)
    wait_until(lambda: job().heartbeat_at > claimed.heartbeat_at, timeout=30, message=first.log)

    first.kill()

    assert (job().state, job().attempts) == (JobState.RUNNING, 1)
    assert not Offer.objects.exists()
    second = workers(beat=True)
    wait_until(lambda: job().state != JobState.RUNNING, timeout=120, message=lambda: second.log())

    done = job()
    assert (done.state, done.attempts, done.errors) == (JobState.DONE, 2, [])
    assert (done.created, done.updated, done.withdrawn) == (GOODS, 0, 0)
    assert Offer.objects.filter(shop__user=supplier).count() == GOODS
    assert price_list_server.requests == 2
    # Two more sweeps later it is still done once: nothing starts it a third time.
    sweeps = second.log().count("recover_jobs[")
    wait_until(
        lambda: second.log().count("recover_jobs[") >= sweeps + 4, timeout=30, message=second.log
    )
    assert job().attempts == 2 and job().finished_at == done.finished_at
    assert f"import job {job_id} finished" not in first.log()
    assert second.log().count(f"import job {job_id} finished") == 1
