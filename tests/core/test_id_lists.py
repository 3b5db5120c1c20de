"""Lists in a request are bounded: at most 1,000 ids or 500 objects, else a 400 that changes
nothing; well under what one PostgreSQL statement can bind (65,535 parameters)."""

import pytest

from procurement.accounts.models import Contact
from procurement.core.serializers import MAX_IDS_PER_REQUEST, MAX_ITEMS_PER_REQUEST
from procurement.orders.models import OrderItem, OrderState
from tests.support.factories import ContactFactory, OfferFactory
from tests.support.orders import fill_basket

BASKET = "/api/v1/basket"
CONTACT = "/api/v1/user/contact"

pytestmark = pytest.mark.django_db


def basket_lines(user) -> list[tuple[int, int]]:
    return sorted(
        OrderItem.objects.filter(order__user=user, order__state=OrderState.BASKET).values_list(
            "id", "quantity"
        )
    )


@pytest.fixture
def basket_of_two(buyer):
    fill_basket(buyer, (OfferFactory(), 1), (OfferFactory(), 2))
    return basket_lines(buyer)


@pytest.fixture
def two_contacts(buyer):
    return sorted(ContactFactory(user=buyer).id for _ in range(2))


def contact_ids(user) -> list[int]:
    return sorted(Contact.objects.filter(user=user).values_list("id", flat=True))


def too_many(existing: list[int]) -> list[int]:
    """70,000 ids, the existing ones among them: more than PostgreSQL can bind at once."""
    return existing + list(range(10**9, 10**9 + 70_000 - len(existing)))


def as_text(ids: list[int]) -> str:
    return ",".join(map(str, ids))


@pytest.mark.parametrize("shape", ["array", "text", "json text"])
def test_deleting_70000_basket_lines_is_400_and_deletes_nothing(
    buyer_client, buyer, basket_of_two, shape
):
    ids = too_many([line_id for line_id, _quantity in basket_of_two])
    items = {"array": ids, "text": as_text(ids), "json text": str(ids)}[shape]

    response = buyer_client.delete(BASKET, {"items": items}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {"items": [f"At most {MAX_IDS_PER_REQUEST} ids per request."]},
    }
    assert basket_lines(buyer) == basket_of_two


def test_deleting_70000_contacts_is_400_and_deletes_nothing(buyer_client, buyer, two_contacts):
    response = buyer_client.delete(
        CONTACT, {"items": as_text(too_many(two_contacts))}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {"items": [f"At most {MAX_IDS_PER_REQUEST} ids per request."]},
    }
    assert contact_ids(buyer) == two_contacts


def test_1000_ids_are_accepted(buyer_client, buyer, basket_of_two, two_contacts):
    line_ids = [line_id for line_id, _quantity in basket_of_two]
    padding = list(range(10**9, 10**9 + MAX_IDS_PER_REQUEST - 1))

    response = buyer_client.delete(
        BASKET, {"items": line_ids[:1] + padding + line_ids[:1]}, format="json"
    )
    assert response.status_code == 400  # 1,001 values: the limit counts what is sent
    assert basket_lines(buyer) == basket_of_two

    response = buyer_client.delete(BASKET, {"items": line_ids[:1] + padding}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 1}
    assert basket_lines(buyer) == basket_of_two[1:]

    response = buyer_client.delete(CONTACT, {"items": two_contacts + padding[1:]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 2}
    assert contact_ids(buyer) == []


def test_a_trailing_comma_is_ignored(buyer_client, buyer, basket_of_two, two_contacts):
    line_ids = [line_id for line_id, _quantity in basket_of_two]

    response = buyer_client.delete(BASKET, {"items": f"{as_text(line_ids)},"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 2}
    assert basket_lines(buyer) == []

    response = buyer_client.delete(CONTACT, {"items": f"{two_contacts[0]}, "}, format="json")
    assert response.status_code == 200
    assert contact_ids(buyer) == two_contacts[1:]


@pytest.mark.parametrize("items", [",", ",12", "12,,15", "12,15,,", "12;15"])
def test_other_empty_parts_are_still_refused(buyer_client, buyer, basket_of_two, items):
    response = buyer_client.delete(BASKET, {"items": items}, format="json")
    assert response.status_code == 400
    assert "items" in response.json()["Errors"]
    assert basket_lines(buyer) == basket_of_two


def test_ids_may_come_in_the_query_string(buyer_client, buyer, basket_of_two):
    line_ids = [line_id for line_id, _quantity in basket_of_two]

    response = buyer_client.delete(f"{BASKET}?items={as_text(too_many(line_ids))}")
    assert response.status_code == 400
    assert response.json()["Errors"] == {
        "items": [f"At most {MAX_IDS_PER_REQUEST} ids per request."]
    }
    assert basket_lines(buyer) == basket_of_two

    response = buyer_client.delete(f"{BASKET}?items={line_ids[0]},")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 1}
    assert basket_lines(buyer) == basket_of_two[1:]


@pytest.mark.parametrize("method", ["post", "put"])
def test_object_lists_are_capped_too(buyer_client, buyer, basket_of_two, method):
    line_id = basket_of_two[0][0]
    offer_id = OrderItem.objects.get(pk=line_id).offer_id
    item = {
        "post": {"product_info": offer_id, "quantity": 1},
        "put": {"id": line_id, "quantity": 5},
    }
    items = [item[method]] * (MAX_ITEMS_PER_REQUEST + 1)

    response = getattr(buyer_client, method)(BASKET, {"items": items}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "Status": False,
        "Errors": {"items": [f"At most {MAX_ITEMS_PER_REQUEST} items per request."]},
    }
    assert basket_lines(buyer) == basket_of_two


def test_contact_ids_may_come_in_the_query_string(buyer_client, buyer, two_contacts):
    theirs = ContactFactory()

    response = buyer_client.delete(f"{CONTACT}?items=x,{two_contacts[0]}")
    assert response.status_code == 400
    assert "items" in response.json()["Errors"]
    assert contact_ids(buyer) == two_contacts

    response = buyer_client.delete(f"{CONTACT}?items={two_contacts[0]},{theirs.id},")
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 1}
    assert contact_ids(buyer) == two_contacts[1:]
    assert Contact.objects.filter(pk=theirs.pk).exists()
