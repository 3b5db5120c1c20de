import pytest

from procurement.accounts.models import Contact
from tests.support.factories import ContactFactory, UserFactory

CONTACT = "/api/v1/user/contact"
NEW = {"city": "Kazan", "street": "Baumana", "house": "5", "phone": "+79991112233"}

pytestmark = pytest.mark.django_db


def test_create_and_list_own_contacts(buyer_client, buyer):
    ContactFactory()  # somebody else's
    response = buyer_client.post(CONTACT, NEW, format="json")
    assert response.status_code == 201
    contact = Contact.objects.get(user=buyer)
    assert response.json() == {"Status": True, "id": contact.id}

    listed = buyer_client.get(CONTACT).json()
    assert listed["count"] == 1
    assert listed["results"][0]["city"] == "Kazan"


@pytest.mark.parametrize("missing", ["city", "street", "phone"])
def test_create_refuses_missing_required_field(buyer_client, missing):
    data = {key: value for key, value in NEW.items() if key != missing}
    response = buyer_client.post(CONTACT, data, format="json")
    assert response.status_code == 400
    assert missing in response.json()["Errors"]
    assert not Contact.objects.exists()


def test_sixth_contact_is_refused(buyer_client, buyer):
    ContactFactory.create_batch(5, user=buyer)
    response = buyer_client.post(CONTACT, NEW, format="json")
    assert response.status_code == 400
    assert response.json()["Status"] is False
    assert Contact.objects.filter(user=buyer).count() == 5
    assert not Contact.objects.filter(city="Kazan").exists()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_own_contact(buyer_client, contact, method):
    response = getattr(buyer_client, method)(
        CONTACT, {"id": contact.id, "city": "Tula"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["Status"] is True
    assert response.json()["city"] == "Tula"
    contact.refresh_from_db()
    assert (contact.city, contact.street) == ("Tula", "Tverskaya")


def test_update_someone_elses_contact_is_404(buyer_client):
    other = ContactFactory()
    response = buyer_client.put(CONTACT, {"id": other.id, "city": "Tula"}, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.city == "Moscow"


@pytest.mark.parametrize("payload", [{"city": "Tula"}, {"id": "abc", "city": "Tula"}, {"id": 0}])
def test_update_needs_a_valid_id(buyer_client, contact, payload):
    response = buyer_client.put(CONTACT, payload, format="json")
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.city == "Moscow"


def test_update_refuses_blank_required_field(buyer_client, contact):
    response = buyer_client.patch(CONTACT, {"id": contact.id, "phone": ""}, format="json")
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.phone == "+79990000000"


@pytest.mark.parametrize("as_form", [False, True])
@pytest.mark.parametrize("shape", ["list", "json-string", "comma"])
def test_delete_only_own_contacts(buyer_client, buyer, shape, as_form):
    mine = ContactFactory.create_batch(2, user=buyer)
    theirs = ContactFactory(user=UserFactory())
    ids = [mine[0].id, mine[1].id, theirs.id]
    items = {
        "list": ids,
        "json-string": str(ids),
        "comma": ",".join(map(str, ids)),
    }[shape]
    if as_form and shape == "list":
        items = ",".join(map(str, ids))
    response = buyer_client.delete(
        CONTACT, {"items": items}, format="multipart" if as_form else "json"
    )
    assert response.status_code == 200
    assert response.json() == {"Status": True, "Deleted": 2}
    assert list(Contact.objects.values_list("id", flat=True)) == [theirs.id]


@pytest.mark.parametrize("items", ["", "a,b", "[1, 2", [], ["x"], [1.5], [True], {"id": 1}])
def test_delete_refuses_bad_items(buyer_client, contact, items):
    response = buyer_client.delete(CONTACT, {"items": items}, format="json")
    assert response.status_code == 400
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_without_items_is_400(buyer_client, contact):
    response = buyer_client.delete(CONTACT, {}, format="json")
    assert response.status_code == 400
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contacts_need_authentication(api_client):
    assert api_client.get(CONTACT).status_code == 401
    assert api_client.post(CONTACT, NEW, format="json").status_code == 401
    assert not Contact.objects.exists()
