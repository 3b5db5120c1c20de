"""The README's quick start, run as a newcomer would: `make run`, then its curl block; and a
`make run` stopped and started again keeps what was done in between."""

import json
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.waiting import wait_until
from tests.support.binaries import require_binary, which
from tests.support.local_run import MakeRun
from tests.support.pricelists import as_yaml, generated
from tests.support.settings_env import environment_without_settings

README = Path(__file__).resolve().parents[2] / "README.md"
BUYER = {"email": "buyer@example.com", "password": "demo-Buyer-2026"}
SUPPLIER = {"email": "supplier@example.com", "password": "demo-Supplier-2026"}


def quick_start_curl_block() -> str:
    text = README.read_text()
    section = re.search(r"^## Quick start\n(.*?)^## ", text, re.MULTILINE | re.DOTALL)
    assert section, "README.md has a '## Quick start' section"
    blocks = [
        block
        for block in re.findall(r"^```sh\n(.*?)^```", section.group(1), re.MULTILINE | re.DOTALL)
        if "curl " in block
    ]
    assert len(blocks) == 1, "the quick start has one block of curl calls"
    return blocks[0]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(
    server: MakeRun,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of one request to the live server; redirects not followed."""
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if files:
        boundary = "quick-start-boundary"
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
            for field, (name, content) in files.items()
        ]
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        server.url + path, data=data, headers=headers, method=method
    )
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=30) as response:
            status, raw, answer_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), dict(error.headers)
    return status, (json.loads(raw) if raw.strip() else {}), answer_headers


def log_in(server: MakeRun, credentials: dict) -> str:
    status, body, _ = call(server, "POST", "/api/v1/user/login", body=credentials)
    assert status == 200, body
    return body["Token"]


@pytest.fixture
def make_run(tmp_path):
    servers: list[MakeRun] = []

    def start() -> MakeRun:
        server = MakeRun(tmp_path).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_the_readme_quick_start_places_the_first_order(make_run, tmp_path):
    require_binary(which("curl"), "curl")
    block = quick_start_curl_block()
    script = tmp_path / "quick-start.sh"
    script.write_text(block)
    server = make_run()

    # Plain HTTP on localhost, as the README's links say: no redirect to https anywhere.
    status, index, _ = call(server, "GET", "/api/v1/")
    assert status == 200
    assert index["docs"] == f"{server.url}/api/docs/"
    # The web interface is at the root, beside the API.
    with urllib.request.urlopen(server.url + "/", timeout=30) as response:  # noqa: S310
        assert response.status == 200
        assert b"<h1>Catalog</h1>" in response.read()

    result = subprocess.run(
        ["sh", "-e", str(script)],
        cwd=tmp_path,
        env=environment_without_settings(PORT=str(server.port)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{server.log()}"

    order = json.loads(result.stdout.strip().splitlines()[-1])
    assert order["state"] == "new"
    assert [line["quantity"] for line in order["ordered_items"]] == [2]
    assert "iPhone" in order["ordered_items"][0]["product_name"]
    assert order["contact"]["city"] == "Москва"
    status, orders, _ = call(server, "GET", "/api/v1/order", token=log_in(server, BUYER))
    assert status == 200
    assert [(placed["id"], placed["state"]) for placed in orders["results"]] == [
        (order["id"], "new")
    ]


def wait_for_job(server: MakeRun, token: str, job_id: int, timeout: float = 120) -> dict:
    def finished() -> dict | None:
        status, job, _ = call(server, "GET", f"/api/v1/partner/imports/{job_id}", token=token)
        assert status == 200, job
        return job if job["state"] in {"done", "failed"} else None

    return wait_until(finished, timeout=timeout, interval=0.3, message=server.log)


def catalog_of_shop(server: MakeRun, shop_id: int) -> list[tuple]:
    status, page, _ = call(server, "GET", f"/api/v1/products?shop_id={shop_id}&page_size=100")
    assert status == 200, page
    return sorted(
        (offer["external_id"], offer["quantity"], offer["price"]) for offer in page["results"]
    )


def test_make_run_stopped_and_started_again_keeps_uploads_orders_and_passwords(make_run):
    server = make_run()
    supplier = log_in(server, SUPPLIER)
    own_price_list = as_yaml(generated(40, shop="Своя лавка", first_id=7_000_001))
    status, answer, _ = call(
        server,
        "POST",
        "/api/v1/partner/update",
        token=supplier,
        files={"file": ("own.yaml", own_price_list)},
    )
    assert status == 202, answer
    job = wait_for_job(server, supplier, answer["job"])
    assert (job["state"], job["created"], job["withdrawn"]) == ("done", 40, 14), job

    buyer = log_in(server, BUYER)
    status, shop, _ = call(server, "GET", "/api/v1/partner/state", token=supplier)
    status, page, _ = call(
        server, "GET", f"/api/v1/products?shop_id={shop['id']}&in_stock=true&page_size=1"
    )
    offer = page["results"][0]
    status, answer, _ = call(
        server,
        "POST",
        "/api/v1/basket",
        token=buyer,
        body={"items": [{"product_info": offer["id"], "quantity": 1}]},
    )
    assert status == 201, answer
    _, basket, _ = call(server, "GET", "/api/v1/basket", token=buyer)
    _, contact, _ = call(
        server,
        "POST",
        "/api/v1/user/contact",
        token=buyer,
        body={"city": "Тула", "street": "Ленина", "phone": "+79000000001"},
    )
    status, placed, _ = call(
        server,
        "POST",
        "/api/v1/order",
        token=buyer,
        body={"id": basket["id"], "contact": contact["id"]},
    )
    assert status == 200, placed
    status, answer, _ = call(
        server,
        "POST",
        "/api/v1/user/details",
        token=buyer,
        body={"password": "A-Passw0rd-of-my-own"},
    )
    assert status == 200, answer

    offers_before = catalog_of_shop(server, shop["id"])
    _, order_before, _ = call(server, "GET", f"/api/v1/order/{placed['id']}", token=answer["Token"])
    assert len(offers_before) == 40

    server.stop()
    server = make_run()

    assert catalog_of_shop(server, shop["id"]) == offers_before, (
        "the supplier's own goods and stock stay"
    )
    status, _, _ = call(server, "POST", "/api/v1/user/login", body=BUYER)
    assert status == 401, "the demo password is not set again"
    buyer = log_in(server, {"email": BUYER["email"], "password": "A-Passw0rd-of-my-own"})
    status, order_after, _ = call(server, "GET", f"/api/v1/order/{placed['id']}", token=buyer)
    assert status == 200
    assert order_after == order_before
    status, partner_orders, _ = call(
        server, "GET", "/api/v1/partner/orders", token=log_in(server, SUPPLIER)
    )
    assert [entry["id"] for entry in partner_orders["results"]] == [placed["id"]]
    assert "already holds accounts: nothing loaded" in server.log()
