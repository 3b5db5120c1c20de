from django.urls import path

from procurement.catalog.api import views

urlpatterns = [
    path("shops", views.ShopListView.as_view(), name="shop-list"),
    path("categories", views.CategoryListView.as_view(), name="category-list"),
    path("products", views.OfferListView.as_view(), name="offer-list"),
    path("products/<int:offer_id>", views.OfferDetailView.as_view(), name="offer-detail"),
]
