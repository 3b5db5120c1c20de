from django.urls import path

from procurement.orders.api import views

urlpatterns = [
    path("basket", views.BasketView.as_view(), name="basket"),
    path("order", views.OrderListView.as_view(), name="order-list"),
    path("order/<int:order_id>", views.OrderDetailView.as_view(), name="order-detail"),
    path("partner/orders", views.SupplierOrderListView.as_view(), name="partner-orders"),
    path(
        "partner/orders/<int:order_id>",
        views.SupplierOrderDetailView.as_view(),
        name="partner-order-detail",
    ),
]
