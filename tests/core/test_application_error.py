"""One error shape: `message` is always a sentence for people, the fields at fault are in
`field_errors`, and the API answers the field errors when there are some, else the message."""

import pytest

from procurement.accounts import services as accounts
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.core.exception_handler import exception_handler
from procurement.orders import services as orders
from procurement.orders.models import Order

pytestmark = pytest.mark.django_db


def test_a_refused_token_names_its_field_and_keeps_a_sentence(api_client, buyer):
    with pytest.raises(ApplicationError) as caught:
        accounts.user_confirm_email(email=buyer.email, token="no-such-token")
    error = caught.value
    assert error.message == "The token is invalid, used or expired."
    assert error.field_errors == {"token": ["The token is invalid, used or expired."]}

    response = api_client.post(
        "/api/v1/user/register/confirm", {"email": buyer.email, "token": "no-such-token"}
    )
    assert response.status_code == 400
    assert response.json() == {"Status": False, "Errors": error.field_errors}


def test_a_refused_password_is_a_field_error_whose_first_message_is_the_sentence(buyer):
    with pytest.raises(ApplicationError) as caught:
        accounts.user_update(user=buyer, password="123")
    error = caught.value
    assert list(error.field_errors) == ["password"]
    assert len(error.field_errors["password"]) > 1  # too short, too common, entirely numeric
    assert error.message == error.field_errors["password"][0]
    assert isinstance(error.message, str)


def test_a_bad_basket_line_names_the_line_and_keeps_a_sentence(buyer_client, buyer):
    with pytest.raises(ApplicationError) as caught:
        orders.basket_add(user=buyer, lines=[orders.BasketLine(offer_id=999, quantity=1)])
    error = caught.value
    assert error.field_errors == {"items": {"999": ["No such offer in the catalog."]}}
    assert error.message == "No such offer in the catalog."

    response = buyer_client.post(
        "/api/v1/basket", {"items": [{"product_info": 999, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"Status": False, "Errors": error.field_errors}
    assert not Order.objects.filter(ordered_items__isnull=False).exists()


def test_the_handler_answers_field_errors_or_the_message_with_the_extra_beside():
    conflict = ApplicationError(ErrorCode.CONFLICT, "Busy.", extra={"lines": [1, 2]})
    response = exception_handler(conflict, {})
    assert response.status_code == 409
    assert response.data == {"Status": False, "Errors": "Busy.", "lines": [1, 2]}

    invalid = ApplicationError(
        ErrorCode.INVALID, field_errors={"state": ["Unknown state."]}, extra={"hint": "x"}
    )
    response = exception_handler(invalid, {})
    assert response.status_code == 400
    assert response.data == {"Status": False, "Errors": {"state": ["Unknown state."]}, "hint": "x"}
    assert invalid.message == "Unknown state."


def test_a_message_is_never_a_mapping():
    with pytest.raises(TypeError):
        ApplicationError(ErrorCode.INVALID, {"state": ["Unknown state."]})
    with pytest.raises(TypeError):
        ApplicationError(ErrorCode.INVALID)
