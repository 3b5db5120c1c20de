import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.catalog.models import Offer
from procurement.orders.models import Order, OrderPart
from tests.support.factories import OfferFactory, UserFactory
from tests.support.orders import fill_basket, placed_orders

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


def test_changelist_lists_orders_not_baskets(staff_client):
    (order,) = placed_orders(1)
    basket = fill_basket(UserFactory(), (OfferFactory(), 1))
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [row.pk for row in rows] == [order.pk]
    assert basket.pk not in [row.pk for row in rows]


def test_changelist_runs_a_constant_number_of_queries(staff_client):
    placed_orders(1)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(CHANGELIST).status_code == 200
    placed_orders(15, lines=2)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(CHANGELIST).status_code == 200
    assert len(many) == len(few)


def test_filters_by_state_shop_and_search_by_email_and_id(staff_client):
    first, second = placed_orders(2)
    Order.objects.filter(pk=second.pk).update(state="confirmed")
    shop_id = first.ordered_items.get().shop_id_snapshot

    def listed(**params):
        response = staff_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return [row.pk for row in response.context["cl"].result_list]

    assert listed(state__exact="confirmed") == [second.pk]
    assert listed(shop=shop_id) == [first.pk]
    assert listed(q=first.user.email) == [first.pk]
    for order in (first, second):  # a number finds that order only, whatever the emails hold
        first.user.email = f"buyer{order.pk}{order.pk}@example.com"
        first.user.save()
        assert listed(q=str(order.pk)) == [order.pk]


def test_change_page_shows_lines_with_confirmed_prices(staff_client):
    (order,) = placed_orders(1)
    line = order.ordered_items.get()
    Offer.objects.filter(pk=line.offer_id).update(price="1.00")
    response = staff_client.get(f"{CHANGELIST}{order.pk}/change/")
    assert response.status_code == 200
    assert "100.00" in response.content.decode()


def test_state_change_from_the_change_form_writes_history_and_emails_the_buyer(
    staff_client, django_capture_on_commit_callbacks
):
    (order,) = placed_orders(1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"{CHANGELIST}{order.pk}/change/",
            {
                "new_state": "confirmed",
                "ordered_items-TOTAL_FORMS": "0",
                "ordered_items-INITIAL_FORMS": "0",
                "history-TOTAL_FORMS": "0",
                "history-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.state == "confirmed"
    assert order.history.last().changed_by == staff_client.staff
    assert [message.to for message in mail.outbox] == [[order.user.email]]


def test_a_move_the_map_forbids_is_refused_in_the_form(staff_client):
    (order,) = placed_orders(1)
    response = staff_client.post(
        f"{CHANGELIST}{order.pk}/change/",
        {
            "new_state": "delivered",
            "ordered_items-TOTAL_FORMS": "0",
            "ordered_items-INITIAL_FORMS": "0",
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "new_state" in response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.state == "new"


def test_bulk_action_moves_each_order_through_the_service(
    staff_client, django_capture_on_commit_callbacks
):
    first, second = placed_orders(2)
    Order.objects.filter(pk=second.pk).update(state="delivered")
    OrderPart.objects.filter(order=second).update(state="delivered")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST,
            {"action": "move_to_canceled", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert Order.objects.get(pk=first.pk).state == "canceled"
    assert Order.objects.get(pk=second.pk).state == "delivered"  # not an allowed move
    assert [message.to for message in mail.outbox] == [[first.user.email]]
    line = first.ordered_items.get()
    assert Offer.objects.get(pk=line.offer_id).quantity == 50


def test_admin_is_for_staff_only(client):
    client.force_login(UserFactory())
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_shop_intake_toggle(staff_client):
    offer = OfferFactory()
    response = staff_client.post(
        "/admin/catalog/shop/",
        {"action": "close_intake", "_selected_action": [offer.shop_id]},
        follow=True,
    )
    assert response.status_code == 200
    offer.shop.refresh_from_db()
    assert offer.shop.accepts_orders is False


def test_offer_admin_pages_render(staff_client):
    offer = OfferFactory(parameters={"Цвет": "синий"})
    assert staff_client.get("/admin/catalog/offer/?is_withdrawn__exact=0").status_code == 200
    page = staff_client.get(f"/admin/catalog/offer/{offer.pk}/change/")
    assert page.status_code == 200
    assert "синий" in page.content.decode()


def test_import_page_starts_a_job_and_redirects_to_it(
    staff_client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from procurement.pricelists.models import ImportJob
    from tests.support.factories import SupplierFactory
    from tests.support.pricelists import shop1_bytes

    supplier = SupplierFactory()
    page = staff_client.get("/admin/pricelists/importjob/")
    assert "/admin/pricelists/importjob/import/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/pricelists/importjob/import/",
            {"supplier": supplier.pk, "file": SimpleUploadedFile("shop1.yaml", shop1_bytes())},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pricelists/importjob/{job.pk}/change/"
    job.refresh_from_db()
    assert (job.state, job.created, job.supplier) == ("done", 14, supplier)


@pytest.mark.parametrize("payload", [{}, {"url": "http://example.com/a.yaml", "file": "x"}])
def test_import_page_needs_exactly_one_source(staff_client, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from procurement.pricelists.models import ImportJob
    from tests.support.factories import SupplierFactory

    data = {"supplier": SupplierFactory().pk, **payload}
    if "file" in data:
        data["file"] = SimpleUploadedFile("a.yaml", b"shop: x")
    response = staff_client.post("/admin/pricelists/importjob/import/", data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_import_page_refuses_a_private_address(staff_client):
    from procurement.pricelists.models import ImportJob
    from tests.support.factories import SupplierFactory

    response = staff_client.post(
        "/admin/pricelists/importjob/import/",
        {"supplier": SupplierFactory().pk, "url": "http://10.0.0.1/list.yaml"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(("action", "marker"), [("export_yaml", b"shop: "), ("export_csv", b"id,")])
def test_shop_export_action_downloads_the_price_list(staff_client, action, marker):
    offer = OfferFactory(product__name="Кабель HDMI")
    response = staff_client.post(
        "/admin/catalog/shop/", {"action": action, "_selected_action": [offer.shop_id]}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(marker)
    assert "Кабель HDMI".encode() in body


def test_the_state_actions_are_named_in_the_admins_language(staff_client):
    names = {}
    for language in ("ru", "en"):
        response = staff_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        names[language] = dict(response.context["action_form"].fields["action"].choices)
    assert (
        names["ru"]["move_to_confirmed"] == "Перевести выбранные заказы в состояние “подтверждён”"
    )
    assert names["en"]["move_to_confirmed"] == "Move selected orders to “confirmed”"


PARTS = "/admin/orders/orderpart/"


def two_supplier_order():
    from tests.support.factories import ContactFactory
    from tests.support.orders import place

    contact = ContactFactory()
    first, second = OfferFactory(quantity=5), OfferFactory(quantity=5)
    return place(contact.user, contact, (first, 1), (second, 2)), first, second


def part_form(state: str) -> dict:
    inlines = ("history", "short_deliveries")
    counts = ("TOTAL_FORMS", "INITIAL_FORMS")
    return {"new_state": state, **{f"{i}-{c}": "0" for i in inlines for c in counts}}


def test_the_order_page_shows_each_part_with_its_state_and_history(staff_client):
    order, _first, _second = two_supplier_order()
    page = staff_client.get(f"{CHANGELIST}{order.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    for part in OrderPart.objects.filter(order=order):
        assert f"/admin/orders/orderpart/{part.pk}/change/" in text
        assert part.shop_name in text
    assert "basket → new" in text


def test_the_part_list_filters_by_shop_and_state(staff_client):
    order, first, _second = two_supplier_order()
    other, other_first, _other_second = two_supplier_order()
    OrderPart.objects.filter(order=other, shop=other_first.shop).update(state="confirmed")

    def listed(**params):
        response = staff_client.get(PARTS, params)
        assert response.status_code == 200
        return sorted(row.pk for row in response.context["cl"].result_list)

    assert listed(shop__id__exact=first.shop_id) == [OrderPart.objects.get(shop=first.shop).pk]
    assert listed(state__exact="confirmed") == [OrderPart.objects.get(shop=other_first.shop).pk]
    assert len(listed()) == 4
    assert listed(q=str(order.pk)) == sorted(order.parts.values_list("pk", flat=True))


def test_a_part_moves_through_the_service_from_its_page(staff_client, commit_callbacks):
    order, first, _second = two_supplier_order()
    part = OrderPart.objects.get(order=order, shop=first.shop)
    page = staff_client.get(f"{PARTS}{part.pk}/change/")
    assert page.status_code == 200
    assert first.product.name in page.content.decode()
    with commit_callbacks():
        response = staff_client.post(f"{PARTS}{part.pk}/change/", part_form("canceled"))
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.state == "canceled"
    assert part.history.last().changed_by == staff_client.staff
    assert Offer.objects.get(pk=first.pk).quantity == 5
    assert Order.objects.get(pk=order.pk).state == "new"
    assert [message.to for message in mail.outbox] == [[order.user.email]]


def test_a_part_move_the_map_refuses_is_a_form_error(staff_client, commit_callbacks):
    order, first, _second = two_supplier_order()
    part = OrderPart.objects.get(order=order, shop=first.shop)
    with commit_callbacks():
        response = staff_client.post(f"{PARTS}{part.pk}/change/", part_form("delivered"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_state"]
    assert OrderPart.objects.get(pk=part.pk).state == "new"
    assert part.history.count() == 1
    assert mail.outbox == []


def test_the_part_actions_move_each_part_that_can_move(staff_client, commit_callbacks):
    order, _first, _second = two_supplier_order()
    parts = list(OrderPart.objects.filter(order=order).order_by("pk"))
    OrderPart.objects.filter(pk=parts[1].pk).update(state="delivered")
    with commit_callbacks():
        response = staff_client.post(
            PARTS,
            {"action": "move_to_confirmed", "_selected_action": [part.pk for part in parts]},
            follow=True,
        )
    assert response.status_code == 200
    assert [OrderPart.objects.get(pk=part.pk).state for part in parts] == ["confirmed", "delivered"]
    assert len(mail.outbox) == 1


def test_the_order_form_moves_the_parts_that_can_move(staff_client, commit_callbacks):
    order, first, second = two_supplier_order()
    OrderPart.objects.filter(order=order, shop=first.shop).update(state="confirmed")
    with commit_callbacks():
        response = staff_client.post(
            f"{CHANGELIST}{order.pk}/change/",
            {
                "new_state": "assembled",
                **{
                    f"{inline}-{count}": "0"
                    for inline in ("ordered_items", "history")
                    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
                },
            },
        )
    assert response.status_code == 302
    states = dict(OrderPart.objects.filter(order=order).values_list("shop_id", "state"))
    assert states == {first.shop_id: "assembled", second.shop_id: "new"}


@pytest.mark.parametrize("model", ["order", "orderpart"])
def test_orders_and_parts_are_neither_added_nor_deleted_in_the_admin(staff_client, model):
    (order,) = placed_orders(1)
    part = order.parts.get()
    pk = order.pk if model == "order" else part.pk
    assert staff_client.get(f"/admin/orders/{model}/add/").status_code == 403
    assert (
        staff_client.post(f"/admin/orders/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Order.objects.filter(pk=order.pk).exists()
    assert OrderPart.objects.filter(pk=part.pk).exists()


@pytest.mark.parametrize(
    ("language", "order_message", "part_message"),
    [
        (
            "en",
            "An order in state new cannot become delivered.",
            "The part of {shop} in state new cannot become delivered.",
        ),
        (
            "ru",
            "Заказ в состоянии «новый» нельзя перевести в состояние «доставлен».",
            "Часть заказа от {shop} в состоянии «новый» не может перейти в «доставлен».",
        ),
    ],
)
def test_a_refused_move_names_the_states_in_the_staffs_language(
    staff_client, language, order_message, part_message
):
    order, first, _second = two_supplier_order()
    part = OrderPart.objects.get(order=order, shop=first.shop)
    order_form = {
        "new_state": "delivered",
        **{
            f"{i}-{c}": "0"
            for i in ("ordered_items", "history")
            for c in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    order_page = staff_client.post(
        f"{CHANGELIST}{order.pk}/change/", order_form, HTTP_ACCEPT_LANGUAGE=language
    )
    part_page = staff_client.post(
        f"{PARTS}{part.pk}/change/", part_form("delivered"), HTTP_ACCEPT_LANGUAGE=language
    )
    assert order_page.context["adminform"].form.errors["new_state"] == [order_message]
    assert part_page.context["adminform"].form.errors["new_state"] == [
        part_message.format(shop=part.shop_name)
    ]
    assert Order.objects.get(pk=order.pk).state == "new"
    assert OrderPart.objects.get(pk=part.pk).state == "new"
