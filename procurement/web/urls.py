from django.urls import URLPattern, path, register_converter

from procurement.core.parsing import MAX_ID
from procurement.web.views import accounts, catalog, orders, supplier


class IdConverter:
    """An id of a row: digits within the database's range; any other path is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "web"
urlpatterns: list[URLPattern] = [
    path("", catalog.catalog_page, name="catalog"),
    path("products/<id:product_id>/", catalog.product_page, name="product"),
    path("account/login/", accounts.login_page, name="login"),
    path("account/logout/", accounts.logout_page, name="logout"),
    path("account/register/", accounts.register_page, name="register"),
    path("account/register/sent/", accounts.register_sent_page, name="register-sent"),
    path("account/confirm/", accounts.confirm_page, name="confirm"),
    path("account/password-reset/", accounts.password_reset_page, name="password-reset"),
    path(
        "account/password-reset/confirm/",
        accounts.password_reset_confirm_page,
        name="password-reset-confirm",
    ),
    path("basket/", orders.basket_page, name="basket"),
    path("basket/add/", orders.basket_add_page, name="basket-add"),
    path("basket/change/", orders.basket_change_page, name="basket-change"),
    path("checkout/", orders.checkout_page, name="checkout"),
    path("orders/", orders.orders_page, name="orders"),
    path("orders/<id:order_id>/", orders.order_page, name="order"),
    path("orders/<id:order_id>/cancel/", orders.order_cancel_page, name="order-cancel"),
    path(
        "orders/<id:order_id>/parts/<id:part_id>/cancel/",
        orders.order_part_cancel_page,
        name="order-part-cancel",
    ),
    path("supplier/", supplier.dashboard_page, name="supplier"),
    path("supplier/state/", supplier.shop_state_page, name="supplier-state"),
    path("supplier/name/", supplier.shop_name_page, name="supplier-name"),
    path("supplier/source/", supplier.source_page, name="supplier-source"),
    path("supplier/imports/", supplier.imports_page, name="supplier-imports"),
    path(
        "supplier/imports/<id:job_id>/apply/",
        supplier.import_apply_page,
        name="supplier-import-apply",
    ),
    path("supplier/upload/", supplier.upload_page, name="supplier-upload"),
    path("supplier/imports/<id:job_id>/", supplier.import_page, name="supplier-import"),
    path("supplier/export/", supplier.export_page, name="supplier-export"),
    path("supplier/orders/", supplier.supplier_orders_page, name="supplier-orders"),
    path(
        "supplier/orders/<id:order_id>/",
        supplier.supplier_order_page,
        name="supplier-order",
    ),
    path(
        "supplier/orders/<id:order_id>/state/",
        supplier.supplier_part_state_page,
        name="supplier-part-state",
    ),
    path(
        "supplier/orders/<id:order_id>/short-delivery/",
        supplier.supplier_short_delivery_page,
        name="supplier-short-delivery",
    ),
]
