import io

import pytest
from django.core.management import call_command

from procurement.accounts.models import User
from procurement.catalog.models import Offer, Product, Shop
from procurement.pricelists.services import import_pricelist
from tests.support.factories import UserFactory
from tests.support.pricelists import as_yaml, generated

pytestmark = pytest.mark.django_db


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_load_demo_imports_both_demo_shops_and_a_second_run_changes_nothing():
    output = load_demo()
    assert "supplier2@example.com / demo-Supplier2-2026" in output
    shops = {shop.user.email: shop for shop in Shop.objects.select_related("user")}
    assert shops["supplier@example.com"].name == "Связной"
    assert shops["supplier2@example.com"].name == "Техносила"
    assert Offer.objects.filter(shop=shops["supplier2@example.com"]).count() == 15
    shared = Product.objects.filter(offers__shop=shops["supplier@example.com"]).filter(
        offers__shop=shops["supplier2@example.com"]
    )
    assert shared.count() >= 4, "some products are offered by both shops"
    offers = list(Offer.objects.order_by("id").values_list())
    users = list(User.objects.order_by("id").values_list())

    again = load_demo()
    assert "shop1.yaml: supplier@example.com has a shop, left as it is" in again
    assert "existed before: its password was left as it is" in again
    assert list(Offer.objects.order_by("id").values_list()) == offers
    assert list(User.objects.order_by("id").values_list()) == users


def test_load_demo_keeps_a_suppliers_own_price_list_and_changed_passwords():
    load_demo()
    supplier = User.objects.get(email="supplier@example.com")
    own = import_pricelist(
        supplier=supplier, data=as_yaml(generated(30, shop="Own goods")), source="own.yaml"
    )
    assert own.created == 30 and own.withdrawn == 14  # the demo goods it no longer sells
    buyer = User.objects.get(email="buyer@example.com")
    buyer.set_password("A-new-Passw0rd-of-my-own")
    buyer.save()
    offers = list(Offer.objects.order_by("id").values_list())

    load_demo()

    assert list(Offer.objects.order_by("id").values_list()) == offers
    assert Offer.objects.filter(shop__user=supplier, is_withdrawn=False).count() == 30
    buyer.refresh_from_db()
    assert buyer.check_password("A-new-Passw0rd-of-my-own")


def test_load_demo_if_empty_loads_an_empty_database():
    output = load_demo("--if-empty")
    assert "buyer@example.com / demo-Buyer-2026" in output
    assert User.objects.filter(email__endswith="@example.com").count() == 4
    assert Shop.objects.count() == 2


def test_load_demo_if_empty_adds_nothing_to_a_database_with_accounts():
    someone = UserFactory(email="someone@example.org")

    output = load_demo("--if-empty")

    assert "already holds accounts: nothing loaded" in output
    assert list(User.objects.values_list("email", flat=True)) == [someone.email]
    assert not Shop.objects.exists() and not Offer.objects.exists()
