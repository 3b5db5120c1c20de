"""A client generated from /api/schema/ works as generated, against a live server.

The schema is validated with openapi-spec-validator, a Python client is generated from it
with the pinned openapi-python-client (from the file, no network), imported as it is, and
driven through every step a buyer and a supplier take: register and confirm (the token from
the email), log in, browse with filters, fill the basket from two shops, keep contacts,
place, list and read an order; each supplier moves its own part or delivers less, and the
parts are canceled by their supplier and by the buyer; upload price lists as a file and as a URL, follow the
jobs, switch intake off and on, read the orders, export. Nothing in the client is edited.
"""

import importlib
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from django.core import mail
from openapi_spec_validator import validate
from openpyxl import load_workbook

from harness.waiting import wait_until
from procurement.catalog.models import Offer
from tests.support.factories import SupplierFactory
from tests.support.pricelists import DEMO

PACKAGE = "procurement_client"
PASSWORD = "Vesna-2024-sad"
WAIT_SECONDS = 60

pytestmark = pytest.mark.django_db(transaction=True)


def generate_client(schema: dict, directory: Path):
    """Generate the client package from the schema file and import it as generated."""
    schema_file = directory / "schema.json"
    schema_file.write_text(json.dumps(schema))
    venv_bin = str(Path(sys.executable).parent)  # the generator formats with the venv's ruff
    result = subprocess.run(
        [
            str(Path(venv_bin) / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_file),
            "--output-path",
            str(directory / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


@pytest.fixture
def client_package(live_server, tmp_path):
    schema = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    validate(schema)
    package = generate_client(schema, tmp_path)
    yield package
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def import_all(package) -> dict:
    """Every module of the generated package, imported: none may fail to import."""
    modules = {}
    root = Path(package.__file__).parent
    for path in sorted(root.rglob("*.py")):
        name = ".".join((PACKAGE, *path.relative_to(root).with_suffix("").parts))
        name = name.removesuffix(".__init__")
        modules[name] = importlib.import_module(name)
    return modules


@pytest.fixture
def price_list_server(settings):
    """The second shop's price list on a local URL the import may fetch."""
    body = (DEMO / "shop2.yaml").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/shop2.yaml" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.IMPORT_ALLOWED_HOSTS = [f"127.0.0.1:{httpd.server_port}"]
    yield f"http://127.0.0.1:{httpd.server_port}/shop2.yaml"
    httpd.shutdown()
    httpd.server_close()


def wait_for(check, what: str):
    return wait_until(check, timeout=WAIT_SECONDS, message=f"no {what} after {WAIT_SECONDS} s")


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content)
    return response.parsed


def emailed_token(address: str) -> str:
    def find():
        for message in mail.outbox:
            if address in message.to:
                match = re.search(r"^\s*([A-Za-z0-9_-]{40,})\s*$", message.body, re.MULTILINE)
                if match:
                    return match.group(1)
        return None

    return wait_for(find, f"confirmation email to {address}")


def test_generated_client_imports_and_drives_the_api(
    client_package, live_server, price_list_server
):
    import_all(client_package)
    api = importlib.import_module(f"{PACKAGE}.api")
    accounts = importlib.import_module(f"{PACKAGE}.api.accounts")
    catalog = importlib.import_module(f"{PACKAGE}.api.catalog")
    basket = importlib.import_module(f"{PACKAGE}.api.basket")
    orders = importlib.import_module(f"{PACKAGE}.api.orders")
    partner = importlib.import_module(f"{PACKAGE}.api.partner")
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    assert api
    for package in (accounts, catalog, basket, orders, partner):
        for path in Path(package.__file__).parent.glob("*.py"):
            if path.stem != "__init__":
                importlib.import_module(f"{package.__name__}.{path.stem}")

    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def sign_up(email: str, user_type) -> object:
        body = models.RegisterInputRequest(
            first_name="Анна",
            last_name="Смирнова",
            email=email,
            password=PASSWORD,
            company="ООО «Ромашка»",
            type_=user_type,
        )
        assert ok(accounts.user_register.sync_detailed(client=anonymous, body=body), 201).status
        confirm = models.ConfirmEmailInputRequest(email=email, token=emailed_token(email))
        assert ok(accounts.user_register_confirm.sync_detailed(client=anonymous, body=confirm))
        return log_in(email)

    def log_in(email: str):
        body = models.LoginInputRequest(email=email, password=PASSWORD)
        token = ok(accounts.user_login.sync_detailed(client=anonymous, body=body)).token
        return client_package.AuthenticatedClient(
            base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True
        )

    def finished_import(client, job_id: int):
        job = wait_for(
            lambda: (
                (
                    job := ok(partner.partner_import_get.sync_detailed(job_id, client=client))
                ).state.value
                in ("done", "failed")
                and job
            ),
            f"end of import job {job_id}",
        )
        assert (job.state.value, job.errors) == ("done", [])
        return job

    # Suppliers: one uploads a file, the other gives a URL.
    first = sign_up("supplier@example.com", models.TypeEnum.SHOP)
    upload = models.ImportFileRequest(
        file=types.File(
            payload=BytesIO((DEMO / "shop1.yaml").read_bytes()),
            file_name="shop1.yaml",
            mime_type="application/yaml",
        )
    )
    preview = models.ImportFileRequest(
        file=types.File(
            payload=BytesIO((DEMO / "shop1.yaml").read_bytes()),
            file_name="shop1.yaml",
            mime_type="application/yaml",
        ),
        dry_run=True,
    )
    job = ok(partner.partner_update.sync_detailed(client=first, body=preview), 202)
    previewed = finished_import(first, job.job)
    assert (previewed.dry_run, previewed.created, previewed.total) == (True, 14, 14)
    job = ok(partner.partner_update.sync_detailed(client=first, body=upload), 202)
    assert finished_import(first, job.job).created == 14
    history = ok(partner.partner_imports_list.sync_detailed(client=first))
    assert [(item.dry_run, item.created) for item in history.results] == [(False, 14), (True, 14)]

    SupplierFactory(email="second@example.com", password=PASSWORD)
    second = log_in("second@example.com")
    by_url = models.ImportUrlRequest(url=price_list_server)
    job = ok(partner.partner_update.sync_detailed(client=second, body=by_url), 202)
    assert finished_import(second, job.job).created > 0
    first_shop = ok(partner.partner_state_get.sync_detailed(client=first))
    second_shop = ok(partner.partner_state_get.sync_detailed(client=second))
    assert (first_shop.name, first_shop.state) == ("Связной", True)

    # A buyer browses the catalog.
    buyer = sign_up("buyer@example.com", models.TypeEnum.BUYER)
    shops = ok(catalog.shop_list.sync_detailed(client=anonymous))
    assert {shop.id for shop in shops.results} == {first_shop.id, second_shop.id}
    assert ok(catalog.category_list.sync_detailed(client=anonymous, shop_id=first_shop.id)).count
    phones = ok(
        catalog.product_list.sync_detailed(
            client=anonymous,
            shop_id=first_shop.id,
            search="iphone",
            price_min="60000",
            in_stock=True,
            ordering="-price,name",
            page_size=5,
        )
    )
    prices = [offer.price for offer in phones.results]
    assert phones.count >= 2
    assert prices == sorted(prices, key=float, reverse=True)
    assert all(float(price) >= 60000 for price in prices)
    dearest = phones.results[0]
    assert (
        ok(catalog.product_get.sync_detailed(dearest.id, client=anonymous)).model == dearest.model
    )
    other = ok(catalog.product_list.sync_detailed(client=buyer, shop_id=second_shop.id)).results[0]
    assert other.shop.id == second_shop.id

    # The basket, from two shops.
    cheaper = phones.results[1]
    add = models.BasketAddInputRequest(
        items=[
            models.BasketLineInputRequest(product_info=dearest.id, quantity=1),
            models.BasketLineInputRequest(product_info=cheaper.id, quantity=1),
            models.BasketLineInputRequest(product_info=other.id, quantity=2),
        ]
    )
    added = ok(basket.basket_add.sync_detailed(client=buyer, body=add), 201)
    assert added.created == 3
    lines = {line.product_info.id: line for line in added.basket.ordered_items}
    assert set(lines) == {dearest.id, cheaper.id, other.id}
    change = models.BasketUpdateInputRequest(
        items=[models.BasketChangeInputRequest(id=lines[dearest.id].id, quantity=2)]
    )
    assert ok(basket.basket_update.sync_detailed(client=buyer, body=change)).updated == 1
    remove = models.BasketRemoveInputRequest(items=[lines[cheaper.id].id])
    assert ok(basket.basket_remove.sync_detailed(client=buyer, body=remove)).deleted == 1
    current = ok(basket.basket_get.sync_detailed(client=buyer))
    assert {(line.product_info.id, line.quantity) for line in current.ordered_items} == {
        (dearest.id, 2),
        (other.id, 2),
    }

    # Contacts.
    address = models.ContactRequest(city="Москва", street="Тверская", house="12", phone="+7916")
    home = ok(accounts.user_contact_create.sync_detailed(client=buyer, body=address), 201).id
    spare = ok(accounts.user_contact_create.sync_detailed(client=buyer, body=address), 201).id
    update = models.ContactUpdateInputRequest(id=home, phone="+79161234567")
    assert ok(accounts.user_contact_update.sync_detailed(client=buyer, body=update)).phone == (
        "+79161234567"
    )
    gone = models.ContactDeleteInputRequest(items=[spare])
    assert ok(accounts.user_contact_delete.sync_detailed(client=buyer, body=gone)).deleted == 1
    contacts = ok(accounts.user_contact_list.sync_detailed(client=buyer))
    assert [contact.id for contact in contacts.results] == [home]
    details = ok(accounts.user_details.sync_detailed(client=buyer))
    assert (details.email, details.type_.value) == ("buyer@example.com", "buyer")

    # The order.
    stock_before = Offer.objects.get(pk=dearest.id).quantity
    place = models.OrderPlaceInputRequest(id=added.basket.id, contact=home)
    order_id = ok(orders.order_place.sync_detailed(client=buyer, body=place)).id
    assert order_id == added.basket.id
    assert Offer.objects.get(pk=dearest.id).quantity == stock_before - 2
    listed = ok(orders.order_list.sync_detailed(client=buyer))
    assert [(order.id, order.items_count) for order in listed.results] == [(order_id, 2)]
    order = ok(orders.order_get.sync_detailed(order_id, client=buyer))
    assert order.state.value == "new"
    assert order.contact.phone == "+79161234567"
    assert {line.product_info.id for line in order.ordered_items} == {dearest.id, other.id}

    seen = ok(partner.partner_order_list.sync_detailed(client=first))
    assert [line.product_info.id for line in seen.results[0].ordered_items] == [dearest.id]
    assert seen.results[0].part.state.value == "new"

    # Each supplier its own part: the first confirms, the second delivers less.
    states = models.PlacedOrderStateEnum
    confirm = models.SupplierOrderChangeInputRequest(state=states.CONFIRMED)
    mine = ok(partner.partner_order_update.sync_detailed(order_id, client=first, body=confirm))
    assert (mine.state.value, mine.order_state.value) == ("confirmed", "new")
    assert [entry.by.value for entry in mine.part.history] == ["buyer", "supplier"]
    other_line = ok(partner.partner_order_get.sync_detailed(order_id, client=second))
    (short_line,) = other_line.ordered_items
    short = models.SupplierOrderChangeInputRequest(
        items=[models.ShortLineInputRequest(id=short_line.id, quantity=1)],
        reason="Одна штука разбита",
    )
    lowered = ok(partner.partner_order_update.sync_detailed(order_id, client=second, body=short))
    assert lowered.ordered_items[0].quantity == 1
    assert lowered.part.short_deliveries[0].reason == "Одна штука разбита"
    order = ok(orders.order_get.sync_detailed(order_id, client=buyer))
    assert {(part.shop.id, part.state.value) for part in order.parts} == {
        (first_shop.id, "confirmed"),
        (second_shop.id, "new"),
    }

    # The first cancels its confirmed part; the buyer cancels the other, still new.
    cancel = models.SupplierOrderChangeInputRequest(state=states.CANCELED)
    ok(partner.partner_order_update.sync_detailed(order_id, client=first, body=cancel))
    assert Offer.objects.get(pk=dearest.id).quantity == stock_before
    (new_part,) = [part for part in order.parts if part.shop.id == second_shop.id]
    cancel = models.OrderStateInputRequest(state=states.CANCELED, part=new_part.id)
    canceled = ok(orders.order_set_state.sync_detailed(order_id, client=buyer, body=cancel))
    assert canceled.state.value == "canceled"
    assert [part.state.value for part in canceled.parts] == ["canceled", "canceled"]

    # Intake off and on.
    off = models.ShopStateInputRequest(state=False)
    assert ok(partner.partner_state_set.sync_detailed(client=first, body=off)).state is False
    assert ok(catalog.product_list.sync_detailed(client=buyer, shop_id=first_shop.id)).count == 0
    on = models.ShopStateInputRequest(state=True)
    assert ok(partner.partner_state_set.sync_detailed(client=first, body=on)).state is True
    assert ok(catalog.product_list.sync_detailed(client=buyer, shop_id=first_shop.id)).count

    # Export: the file at once, and as a job; the client gives its bytes, whatever the format.
    yaml_file = ok(
        partner.partner_export_file.sync_detailed(
            client=first, format_=models.PartnerExportFileFormat.YAML
        )
    )
    assert "Связной" in yaml_file.payload.read().decode()
    xlsx_file = ok(
        partner.partner_export_file.sync_detailed(
            client=first, format_=models.PartnerExportFileFormat.XLSX
        )
    )
    sheet = load_workbook(xlsx_file.payload).active
    assert [cell.value for cell in sheet[1]][:2] == ["id", "category"]
    start = models.ExportRequestRequest(format_=models.FormatEnum.JSON)
    export_id = ok(partner.partner_export_start.sync_detailed(client=first, body=start), 202).job
    export = wait_for(
        lambda: (
            (
                job := ok(partner.partner_export_get.sync_detailed(export_id, client=first))
            ).state.value
            == "done"
            and job
        ),
        "finished export",
    )
    assert export.download
    exported = ok(partner.partner_export_download.sync_detailed(export_id, client=first))
    assert json.loads(exported.payload.read())["shop"] == "Связной"

    assert ok(accounts.user_logout.sync_detailed(client=buyer)).status
    refused = catalog.product_list.sync_detailed(client=buyer)
    assert refused.status_code == 401  # a revoked token is refused on public reads too
    assert refused.parsed.status is False
