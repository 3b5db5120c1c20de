import pytest

from procurement.orders import services
from procurement.orders.models import Order
from tests.catalog.factories import OfferFactory, ShopFactory


@pytest.fixture
def shop(db):
    return ShopFactory(name="Связной")


@pytest.fixture
def other_shop(db):
    return ShopFactory(name="Эльдорадо")


@pytest.fixture
def offer(shop):
    return OfferFactory(
        shop=shop,
        product__name="Смартфон",
        model="apple/xr",
        price="65000.00",
        quantity=14,
        parameters={"Цвет": "красный"},
    )


@pytest.fixture
def other_offer(other_shop):
    return OfferFactory(shop=other_shop, product__name="Чехол", price="990.50", quantity=3)


def fill_basket(user, *lines) -> Order:
    """Put (offer, quantity) pairs into the user's basket through the service."""
    services.basket_add(
        user=user,
        lines=[
            services.BasketLine(offer_id=offer.pk, quantity=quantity) for offer, quantity in lines
        ],
    )
    return Order.baskets.get(user=user)


def place(user, contact, *lines) -> Order:
    basket = fill_basket(user, *lines)
    return services.order_place(buyer=user, basket_id=basket.pk, contact_id=contact.pk)
