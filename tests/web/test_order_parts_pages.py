import pytest

from procurement.orders.models import Order, OrderItem, OrderPart, ShortDelivery
from tests.support.factories import ContactFactory, OfferFactory, ShopFactory
from tests.support.orders import place

pytestmark = pytest.mark.django_db


def two_part_order(buyer, supplier=None):
    """An order of `buyer` with one line of the supplier's shop (or any) and one of another."""
    mine = OfferFactory(
        shop=ShopFactory(user=supplier) if supplier else ShopFactory(),
        product__name="Мой товар",
        quantity=10,
        price=100,
    )
    theirs = OfferFactory(product__name="Чужой товар", quantity=10, price=30)
    contact = ContactFactory(user=buyer)
    order = place(buyer, contact, (mine, 3), (theirs, 2))
    return order, mine, theirs


def part_of(order, offer) -> OrderPart:
    return OrderPart.objects.get(order=order, shop=offer.shop)


def test_the_buyer_sees_each_part_with_its_state_sum_and_lines(buyer_web, buyer):
    order, mine, _theirs = two_part_order(buyer)
    page = buyer_web.get(f"/orders/{order.pk}/").content.decode()
    assert "Parts by supplier" in page
    assert f'{mine.shop.name}: <span class="part-state">new</span>' in page
    assert "1 line, 300.00" in page and "1 line, 60.00" in page
    assert f"/orders/{order.pk}/parts/{part_of(order, mine).pk}/cancel/" in page


def test_the_buyer_cancels_one_new_part_and_the_other_goes_on(buyer_web, buyer):
    order, mine, theirs = two_part_order(buyer)
    part = part_of(order, mine)
    response = buyer_web.post(f"/orders/{order.pk}/parts/{part.pk}/cancel/")
    assert response.status_code == 302
    part.refresh_from_db()
    mine.refresh_from_db()
    assert part.state == "canceled" and mine.quantity == 10  # its stock came back
    assert part_of(order, theirs).state == "new"
    page = buyer_web.get(response["Location"]).content.decode()
    assert f"The part of {mine.shop.name} is canceled." in page


def test_a_part_no_longer_new_cannot_be_canceled_by_the_buyer(buyer_web, buyer):
    order, mine, _theirs = two_part_order(buyer)
    part = part_of(order, mine)
    OrderPart.objects.filter(pk=part.pk).update(state="confirmed")
    response = buyer_web.post(f"/orders/{order.pk}/parts/{part.pk}/cancel/")
    assert response.status_code == 403
    assert "You may only cancel a part that is still new." in response.content.decode()
    part.refresh_from_db()
    assert part.state == "confirmed"


def test_a_part_of_another_buyers_order_is_a_404(buyer_web, buyer):
    other = ContactFactory().user
    order, mine, _theirs = two_part_order(other)
    part = part_of(order, mine)
    assert buyer_web.post(f"/orders/{order.pk}/parts/{part.pk}/cancel/").status_code == 404
    assert buyer_web.post(f"/orders/{order.pk}/parts/999999/cancel/").status_code == 404
    part.refresh_from_db()
    assert part.state == "new"


def test_the_supplier_list_shows_its_parts_state_and_filters_by_it(supplier_web, supplier):
    buyer = ContactFactory().user
    order, _mine, theirs = two_part_order(buyer, supplier)
    OrderPart.objects.filter(pk=part_of(order, theirs).pk).update(state="confirmed")
    page = supplier_web.get("/supplier/orders/").content.decode()
    assert "your part: new" in page and f"/supplier/orders/{order.pk}/" in page
    assert f"Order {order.pk}" in supplier_web.get("/supplier/orders/?state=new").content.decode()
    confirmed = supplier_web.get("/supplier/orders/?state=confirmed").content.decode()
    assert f"Order {order.pk}" not in confirmed


def test_the_supplier_order_page_shows_only_its_lines_and_its_moves(supplier_web, supplier):
    buyer = ContactFactory().user
    order, _mine, _theirs = two_part_order(buyer, supplier)
    page = supplier_web.get(f"/supplier/orders/{order.pk}/").content.decode()
    assert "Мой товар" in page and "Чужой товар" not in page
    assert 'id="part-state">new<' in page
    assert 'name="state" value="confirmed"' in page and 'value="canceled"' in page
    assert 'value="assembled"' not in page
    assert "Short delivery" in page


def test_the_supplier_moves_its_part_step_by_step(supplier_web, supplier):
    buyer = ContactFactory().user
    order, mine, theirs = two_part_order(buyer, supplier)
    for state in ["confirmed", "assembled"]:
        response = supplier_web.post(f"/supplier/orders/{order.pk}/state/", {"state": state})
        assert response.status_code == 302
        assert part_of(order, mine).state == state
    assert part_of(order, theirs).state == "new"
    page = supplier_web.get(f"/supplier/orders/{order.pk}/").content.decode()
    assert "Your part is now assembled." in page
    assert 'value="sent"' in page and "Short delivery" not in page


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        ("sent", 409, "cannot become sent"),
        ("nope", 400, "Unknown state."),
        ("", 400, "Unknown state."),
        ("basket", 400, "Unknown state."),
    ],
)
def test_a_move_its_part_cannot_make_is_refused_with_the_reason(
    supplier_web, supplier, state, status, message
):
    buyer = ContactFactory().user
    order, mine, _theirs = two_part_order(buyer, supplier)
    response = supplier_web.post(f"/supplier/orders/{order.pk}/state/", {"state": state})
    assert response.status_code == status
    assert message in response.content.decode()
    assert part_of(order, mine).state == "new"
    assert list(part_of(order, mine).history.values_list("to_state", flat=True)) == ["new"]


def test_an_order_without_the_suppliers_goods_is_a_404(supplier_web, supplier):
    ShopFactory(user=supplier)
    order, mine, _theirs = two_part_order(ContactFactory().user)
    assert supplier_web.get(f"/supplier/orders/{order.pk}/").status_code == 404
    response = supplier_web.post(f"/supplier/orders/{order.pk}/state/", {"state": "confirmed"})
    assert response.status_code == 404
    assert part_of(order, mine).state == "new"


def test_the_supplier_short_delivers_a_line_with_a_reason(supplier_web, supplier):
    buyer = ContactFactory().user
    order, mine, _theirs = two_part_order(buyer, supplier)
    line = OrderItem.objects.get(order=order, offer=mine)
    response = supplier_web.post(
        f"/supplier/orders/{order.pk}/short-delivery/",
        {"line": line.pk, "quantity": 1, "reason": "Только две на складе"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    mine.refresh_from_db()
    order.refresh_from_db()
    assert line.quantity == 1 and mine.quantity == 9
    assert order.total_sum == 160
    page = supplier_web.get(f"/supplier/orders/{order.pk}/").content.decode()
    assert "3 → 1" in page and "Только две на складе" in page


def bad_short(order, line, other_line):
    return [
        ({"line": line.pk, "quantity": 5, "reason": "x"}, 409, "can only be lowered"),
        ({"line": line.pk, "quantity": 1, "reason": "   "}, 400, "This field is required."),
        ({"line": line.pk, "quantity": -1, "reason": "x"}, 400, "greater than or equal to 0"),
        ({"line": "abc", "quantity": 1, "reason": "x"}, 400, "Enter a whole number."),
        ({"line": other_line.pk, "quantity": 1, "reason": "x"}, 400, "No such line in your part."),
        ({"line": line.pk, "quantity": 1, "reason": "x" * 501}, 400, "at most 500 characters"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_a_bad_short_delivery_is_refused_with_the_reason_and_changes_nothing(
    supplier_web, supplier, case
):
    buyer = ContactFactory().user
    order, mine, theirs = two_part_order(buyer, supplier)
    line = OrderItem.objects.get(order=order, offer=mine)
    other_line = OrderItem.objects.get(order=order, offer=theirs)
    data, status, message = bad_short(order, line, other_line)[case]
    response = supplier_web.post(f"/supplier/orders/{order.pk}/short-delivery/", data)
    assert response.status_code == status
    assert message in response.content.decode()
    line.refresh_from_db()
    mine.refresh_from_db()
    assert line.quantity == 3 and mine.quantity == 7
    assert not ShortDelivery.objects.exists()
    assert Order.objects.get(pk=order.pk).total_sum == 360


def test_a_short_delivery_after_assembly_is_a_409(supplier_web, supplier):
    buyer = ContactFactory().user
    order, mine, _theirs = two_part_order(buyer, supplier)
    OrderPart.objects.filter(pk=part_of(order, mine).pk).update(state="assembled")
    line = OrderItem.objects.get(order=order, offer=mine)
    response = supplier_web.post(
        f"/supplier/orders/{order.pk}/short-delivery/",
        {"line": line.pk, "quantity": 1, "reason": "x"},
    )
    assert response.status_code == 409
    assert "can no longer be lowered" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 3 and not ShortDelivery.objects.exists()


def test_a_buyer_cannot_use_the_supplier_order_pages(buyer_web, buyer):
    order, mine, _theirs = two_part_order(buyer)
    assert buyer_web.get(f"/supplier/orders/{order.pk}/").status_code == 403
    response = buyer_web.post(f"/supplier/orders/{order.pk}/state/", {"state": "confirmed"})
    assert response.status_code == 403
    assert part_of(order, mine).state == "new"
