"""Baskets and orders made through the services, as a buyer makes them."""

from procurement.accounts.models import Contact, User
from procurement.catalog.models import Offer
from procurement.orders import services
from procurement.orders.models import Order
from tests.support.factories import ContactFactory, OfferFactory


def fill_basket(user: User, *lines: tuple[Offer, int]) -> Order:
    """Put (offer, quantity) pairs into the user's basket through the service."""
    services.basket_add(
        user=user,
        lines=[
            services.BasketLine(offer_id=offer.pk, quantity=quantity) for offer, quantity in lines
        ],
    )
    return Order.baskets.get(user=user)


def place(user: User, contact: Contact, *lines: tuple[Offer, int]) -> Order:
    basket = fill_basket(user, *lines)
    return services.order_place(buyer=user, basket_id=basket.pk, contact_id=contact.pk)


def placed_orders(count: int, lines: int = 1) -> list[Order]:
    """`count` orders of as many buyers, each of `lines` offers of their own shops."""
    orders = []
    for _ in range(count):
        contact = ContactFactory()
        offers = [OfferFactory(quantity=50) for _ in range(lines)]
        orders.append(place(contact.user, contact, *[(offer, 1) for offer in offers]))
    return orders
