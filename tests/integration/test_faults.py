"""Infrastructure faults against the real thing: gunicorn, a Celery worker and beat, Redis
(broker and throttling cache), an SMTP server and a PostgreSQL cluster this module owns
(so it may restart it). Each test breaks one component while buyers work, brings it back,
then checks and prints what the buyers and the outbox went through:

- no answer is a 500 (a fault is 503 with Retry-After, never a crash);
- every order placed is in the database with its lines;
- every email recorded is delivered exactly once (counted by Message-ID at the SMTP
  server), with no operator step: retries and the periodic task do it;
- every price-list import a supplier started during the fault finishes exactly once.
"""

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from harness.postgres import PostgresCluster, postgres_bindir
from harness.redis import RedisServer
from harness.smtp import CapturingSMTPServer
from harness.waiting import wait_until
from tests.support.binaries import require_binary, which
from tests.support.celery_worker import REPO_ROOT, CeleryBeat, CeleryWorker
from tests.support.factories import DEFAULT_PASSWORD
from tests.support.pricelists import as_yaml, generated
from tests.support.web import GunicornServer

BUYERS = 6
PERIODIC_RUN = re.compile(r"tasks\.send_unsent_emails\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")
ALLOWED = {200, 201, 202, 409, 503}  # a fault may refuse a request, never crash on it
SETTLE_SECONDS = 90  # deadline for the outbox to be empty once the fault is over

PRICE_LIST = as_yaml(generated(30))
LEASE_SECONDS = 3  # a job whose worker is lost is started again this soon


@dataclass
class FaultReport:
    fault: str
    answers: Counter = field(default_factory=Counter)
    orders_placed: int = 0
    orders_placed_unanswered: int = 0  # committed, but the answer was lost with the fault
    emails_recorded: int = 0
    emails_delivered_once: int = 0
    jobs: int = 0
    jobs_finished_once: int = 0

    def print(self) -> None:
        answers = ", ".join(f"{status}×{count}" for status, count in sorted(self.answers.items()))
        lines = [
            ("answers", answers),
            ("orders placed (answered 200)", self.orders_placed),
            ("orders placed, answer lost", self.orders_placed_unanswered),
            ("emails recorded", self.emails_recorded),
            ("emails delivered exactly once", self.emails_delivered_once),
            ("price-list imports started", self.jobs),
            ("imports finished exactly once", self.jobs_finished_once),
        ]
        print(f"\n[fault] {self.fault}")
        for label, value in lines:
            print(f"  {label + ':':31} {value}")


# 503 answers without Retry-After or the API's error shape (none expected).
MALFORMED_503: list = []


def call(url: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    """One JSON request; (status, body). A 503 must say when to come back."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            answer = error.code, json.loads(text)
        except ValueError:
            answer = error.code, text.decode(errors="replace")
        if error.code == 503 and not (
            error.headers.get("Retry-After", "").isdigit()
            and isinstance(answer[1], dict)
            and answer[1].get("Status") is False
        ):
            MALFORMED_503.append((path, dict(error.headers), answer[1]))
        return answer


class PriceListServer(ThreadingHTTPServer):
    """A supplier's price list over HTTP. After `stall_next()` the next download sends half
    the list and stalls there (a download in progress when its worker is lost)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _PriceListHandler)
        self.stall = threading.Event()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_port}/pricelist.yaml"
        self.serving: threading.Thread | None = None

    def start(self) -> "PriceListServer":
        self.serving = threading.Thread(target=self.serve_forever, daemon=True)
        self.serving.start()
        return self

    def stall_next(self) -> None:
        self.stalled.clear()
        self.stall.set()

    def stop(self) -> None:
        self.release.set()
        # shutdown() waits for serve_forever to end: it would wait for ever on a server the
        # stack did not get to start.
        if self.serving is not None:
            self.shutdown()
        self.server_close()


class _PriceListHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        self.send_response(200)
        self.send_header("Content-Length", str(len(PRICE_LIST)))
        self.end_headers()
        try:
            if server.stall.is_set():
                server.stall.clear()
                self.wfile.write(PRICE_LIST[: len(PRICE_LIST) // 2])
                self.wfile.flush()
                server.stalled.set()
                server.release.wait(300)
            else:
                self.wfile.write(PRICE_LIST)
        except OSError:
            pass  # the worker that asked is gone

    def log_message(self, *args):
        pass


class Stack:
    """Every server of the service, on loopback, sharing one environment."""

    def __init__(self):
        bindir = postgres_bindir()
        require_binary(str(bindir) if bindir else None, "PostgreSQL")
        redis_binary = require_binary(which("redis-server"), "redis-server")
        self.cluster = PostgresCluster(bindir)
        self.redis = RedisServer(redis_binary)
        self.smtp = CapturingSMTPServer()
        self.pricelists = PriceListServer()
        self.processes = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.cluster.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CACHE_URL": self.redis.url.rsplit("/", 1)[0] + "/1",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp.port),
            "EMAIL_TIMEOUT": "5",
            "DEFAULT_FROM_EMAIL": "noreply@procurement.example",
            "MAINTENANCE_INTERVAL_SECONDS": "2",
            "EMAIL_LOST_AFTER_SECONDS": "3",
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOB_LOST_AFTER_SECONDS": "3",
            "IMPORT_ALLOWED_HOSTS": f"127.0.0.1:{self.pricelists.server_port}",
            "IMPORT_FETCH_DEADLINE_SECONDS": "300",  # a stalled download outlives its worker
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_FORMAT": "plain",
        }

    def start(self) -> "Stack":
        self.cluster.start()
        self.redis.start()
        self.smtp.start()
        self.pricelists.start()
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.support.fault_seed", str(BUYERS)],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=180,
        )
        self.data = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.worker_env = {name: self.env[name] for name in self.env if name != "CELERY_BROKER_URL"}
        self.web = GunicornServer(env=self.env, workers=3).start()
        self.processes.append(self.web)
        self.start_worker()
        self.beat = CeleryBeat(broker_url=self.redis.url, extra_env=self.worker_env).start()
        self.processes.append(self.beat)
        return self

    def start_worker(self) -> CeleryWorker:
        self.worker = CeleryWorker(broker_url=self.redis.url, extra_env=self.worker_env).start()
        self.processes.append(self.worker)
        return self.worker

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.smtp.stop()
        self.pricelists.stop()
        self.redis.stop()
        self.cluster.stop()

    def logs(self) -> str:
        return "\n".join(
            f"--- {type(process).__name__}\n{process.log()[-6000:]}" for process in self.processes
        )

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.cluster.url, connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    # What the buyers do

    def place_order(self, buyer: dict, answers: Counter) -> int | None:
        """Put an offer in the basket and confirm it; the order id when it was placed."""
        offer = self.data["offers"][answers.total() % len(self.data["offers"])]
        status, body = call(
            self.web.url,
            "POST",
            "/api/v1/basket",
            {"items": [{"product_info": offer, "quantity": 1}]},
            buyer["token"],
        )
        answers[status] += 1
        if status != 201:
            return None
        status, body = call(self.web.url, "GET", "/api/v1/basket", token=buyer["token"])
        answers[status] += 1
        if status != 200:
            return None
        basket = body["id"]
        status, body = call(
            self.web.url,
            "POST",
            "/api/v1/order",
            {"id": basket, "contact": buyer["contact"]},
            buyer["token"],
        )
        answers[status] += 1
        return basket if status == 200 else None

    def upload_price_list(self, answers: Counter) -> int:
        """The supplier asks for an import of its price list URL until one is accepted (a
        fault may answer 503); the job's id."""

        def accepted() -> int | None:
            status, body = call(
                self.web.url,
                "POST",
                "/api/v1/partner/update",
                {"url": self.pricelists.url},
                self.data["supplier"]["token"],
            )
            answers[status] += 1
            assert status in (202, 503), (status, body)
            return body["job"] if status == 202 else None

        return wait_until(accepted, timeout=60, interval=0.5, message="never accepted")

    def buyers_at_work(self, stop: threading.Event, report: FaultReport, placed: list[int]):
        """Every buyer places orders, one after another, until `stop` is set."""

        def work(buyer):
            answers = Counter()
            while not stop.is_set():
                order = self.place_order(buyer, answers)
                if order is not None:
                    placed.append(order)
            report.answers.update(answers)

        return [
            threading.Thread(target=work, args=(buyer,), daemon=True)
            for buyer in self.data["buyers"]
        ]

    # What is checked after each fault

    def orders(self) -> set[int]:
        return {row[0] for row in self.sql("SELECT id FROM orders_order WHERE state <> 'basket'")}

    def check_orders(self, placed: list[int]) -> None:
        rows = dict(
            self.sql(
                "SELECT o.id, count(i.id) FROM orders_order o"
                " LEFT JOIN orders_orderitem i ON i.order_id = o.id"
                " WHERE o.state <> 'basket' GROUP BY o.id"
            )
        )
        missing = [order for order in placed if order not in rows]
        assert not missing, f"orders answered 200 but not in the database: {missing}"
        without_lines = [order for order, lines in rows.items() if lines == 0]
        assert not without_lines, f"orders without lines: {without_lines}"
        assert len(set(placed)) == len(placed)

    def jobs(self) -> set[int]:
        return {row[0] for row in self.sql("SELECT id FROM pricelists_importjob")}

    def settle_jobs(self, jobs: set[int]) -> int:
        """Wait until the jobs are finished; check each is done and was finished by exactly
        one run (across every worker, the lost ones included). How many there are."""

        def job_states() -> dict[int, str]:
            states = dict(self.sql("SELECT id, state FROM pricelists_importjob"))
            return {job: states[job] for job in jobs}

        wait_until(
            lambda: not {"queued", "running"} & set(job_states().values()),
            timeout=SETTLE_SECONDS,
            interval=0.5,
            message=lambda: f"jobs left: {job_states()}\n{self.logs()}",
        )
        assert job_states() == dict.fromkeys(jobs, "done"), self.logs()
        logs = "\n".join(
            process.log() for process in self.processes if isinstance(process, CeleryWorker)
        )
        finished = Counter(int(job) for job in re.findall(r"import job (\d+) finished", logs))
        twice = {job: finished[job] for job in jobs if finished[job] != 1}
        assert not twice, f"jobs not finished exactly once: {twice}"
        return len(jobs)

    def emails(self) -> set[int]:
        return {row[0] for row in self.sql("SELECT id FROM notifications_outboundemail")}

    def settle_outbox(self) -> Counter:
        """Wait until every recorded email is sent; check each was delivered exactly once.
        How many times the SMTP server received each email, by the email's id."""

        def email_states() -> dict[str, int]:
            return dict(
                self.sql("SELECT state, count(*) FROM notifications_outboundemail GROUP BY state")
            )

        wait_until(
            lambda: set(email_states()) <= {"sent"},
            timeout=SETTLE_SECONDS,
            interval=0.5,
            message=lambda: f"emails left: {email_states()}\n{self.logs()}",
        )
        # <created.microseconds.ID@domain>: the email's id is the third dotted part.
        delivered = Counter(
            int(message_id.strip("<>").split("@")[0].split(".")[2])
            for message_id in self.smtp.message_ids()
        )
        twice = {email: count for email, count in delivered.items() if count > 1}
        assert not twice, f"delivered more than once: {twice}"
        never = self.emails() - set(delivered)
        assert not never, f"never delivered: {never}"
        return delivered


@pytest.fixture(scope="module")
def stack():
    stack = Stack()
    try:
        yield stack.start()
    finally:
        stack.stop()


def finish(
    stack: Stack,
    report: FaultReport,
    placed: list[int],
    before: tuple[set[int], set[int], set[int]],
) -> None:
    orders_before, emails_before, jobs_before = before
    assert set(report.answers) <= ALLOWED, report.answers
    assert MALFORMED_503 == []
    stack.check_orders(placed)
    report.orders_placed = len(placed)
    report.orders_placed_unanswered = len(stack.orders() - orders_before - set(placed))
    delivered = stack.settle_outbox()
    recorded = stack.emails() - emails_before
    report.emails_recorded = len(recorded)
    report.emails_delivered_once = sum(delivered[email] == 1 for email in recorded)
    jobs = stack.jobs() - jobs_before
    report.jobs = len(jobs)
    report.jobs_finished_once = stack.settle_jobs(jobs)
    assert report.jobs > 0, "no price list was imported during the fault"
    report.print()


def so_far(stack: Stack) -> tuple[set[int], set[int], set[int]]:
    """The orders, the emails and the import jobs before a fault."""
    return stack.orders(), stack.emails(), stack.jobs()


def test_postgresql_restarts_while_buyers_place_orders(stack):
    report = FaultReport("PostgreSQL restarted (pg_ctl restart -m fast) under load")
    before = so_far(stack)
    placed: list[int] = []
    stop = threading.Event()
    buyers = stack.buyers_at_work(stop, report, placed)
    for buyer in buyers:
        buyer.start()
    try:
        wait_until(
            lambda: len(placed) >= 10,
            timeout=60,
            message=lambda: f"no orders placed\n{stack.logs()}",
        )
        stack.cluster.restart("fast")
        stack.upload_price_list(report.answers)
        after_restart = len(placed)
        wait_until(
            lambda: len(placed) >= after_restart + 10,
            timeout=60,
            message=lambda: f"no orders after the restart\n{stack.logs()}",
        )
    finally:
        stop.set()
        for buyer in buyers:
            buyer.join(timeout=60)

    finish(stack, report, placed, before)
    assert report.answers[200] >= 20


def test_redis_stops_logins_and_orders_go_on_and_beat_sends_the_emails_once(stack):
    report = FaultReport("Redis stopped (broker and throttling cache), then started again")
    stack.settle_outbox()  # nothing in flight in Redis when it goes
    before = so_far(stack)
    placed: list[int] = []
    buyer = stack.data["buyers"][0]

    stack.redis.halt()
    try:
        login = call(
            stack.web.url,
            "POST",
            "/api/v1/user/login",
            {"email": buyer["email"], "password": DEFAULT_PASSWORD},
        )
        wrong = call(
            stack.web.url,
            "POST",
            "/api/v1/user/login",
            {"email": buyer["email"], "password": "wrong"},
        )
        reset = call(
            stack.web.url, "POST", "/api/v1/user/password_reset", {"email": buyer["email"]}
        )
        assert login[0] == 200 and login[1]["Token"], login
        assert wrong[0] == 401, wrong
        assert reset == (200, {"Status": True}), reset
        stack.upload_price_list(report.answers)  # recorded; its task is queued by the sweep
        for buyer in stack.data["buyers"]:
            order = stack.place_order(buyer, report.answers)
            assert order is not None, report.answers
            placed.append(order)
        # Recorded, and waiting: no task could be queued.
        pending = stack.sql(
            "SELECT count(*) FROM notifications_outboundemail WHERE state = 'pending'"
        )[0][0]
        assert pending == len(stack.emails() - before[1]) > len(placed)
    finally:
        stack.redis.start()

    finish(stack, report, placed, before)
    # Beat's periodic task sent them: their own tasks were never queued. Two more of its
    # runs later, nothing went out again.
    handed_over = [int(count) for count in PERIODIC_RUN.findall(stack.worker.log())]
    assert any(handed_over), stack.logs()
    runs = len(handed_over)
    wait_until(
        lambda: len(PERIODIC_RUN.findall(stack.worker.log())) >= runs + 2,
        timeout=30,
        message=stack.logs,
    )
    stack.settle_outbox()


def test_smtp_server_stops_and_comes_back(stack):
    report = FaultReport("SMTP server stopped, then started again")
    stack.settle_outbox()
    before = so_far(stack)
    placed: list[int] = []

    stack.smtp.stop()
    try:
        stack.upload_price_list(report.answers)
        for buyer in stack.data["buyers"]:
            order = stack.place_order(buyer, report.answers)
            assert order is not None, report.answers
            placed.append(order)
        wait_until(
            lambda: (
                stack.sql(
                    "SELECT count(*) FROM notifications_outboundemail WHERE state = 'failed'"
                )[0][0]
                > 0
            ),
            timeout=60,
            message=lambda: f"no email tried while the SMTP server was down\n{stack.logs()}",
        )
    finally:
        stack.smtp.start()

    finish(stack, report, placed, before)


def test_a_worker_node_is_lost_in_the_middle_of_an_import(stack):
    report = FaultReport("Celery worker node lost mid-import (main process and pool SIGKILLed)")
    stack.settle_outbox()
    before = so_far(stack)
    placed: list[int] = []

    stack.pricelists.stall_next()
    job = stack.upload_price_list(report.answers)
    wait_until(
        stack.pricelists.stalled.is_set,
        timeout=60,
        message=lambda: f"the import never started\n{stack.logs()}",
    )
    running = stack.sql("SELECT state, attempts FROM pricelists_importjob WHERE id = %s", job)
    assert running == [("running", 1)]
    stack.worker.kill()
    # Orders go on without a worker; their emails wait in the broker.
    for buyer in stack.data["buyers"]:
        order = stack.place_order(buyer, report.answers)
        assert order is not None, report.answers
        placed.append(order)
    stack.start_worker()  # another node; beat starts the job again once its lease ran out

    finish(stack, report, placed, before)
    assert stack.sql("SELECT attempts FROM pricelists_importjob WHERE id = %s", job) == [(2,)]
