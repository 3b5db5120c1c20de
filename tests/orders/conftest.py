import pytest

from tests.support.factories import OfferFactory, ShopFactory


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
