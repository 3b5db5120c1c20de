"""Basket and order use cases: fill the basket, place the order, move it through its states."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.accounts.models import Contact, User
from procurement.catalog import offers
from procurement.catalog.models import (
    MAX_MONEY,
    Offer,
    Shop,
    ShopOpenForOrders,
    open_for_orders_value,
)
from procurement.core.db import retry_on_conflict
from procurement.core.errors import ApplicationError, ErrorCode
from procurement.notifications.emails import queue
from procurement.orders.emails import (
    order_confirmation_email,
    order_invoice_for_admin_email,
    order_invoice_for_supplier_email,
    order_part_state_changed_email,
    order_short_delivery_email,
    order_state_changed_email,
)
from procurement.orders.models import (
    ALLOWED_TRANSITIONS,
    SHORTABLE_STATES,
    Order,
    OrderItem,
    OrderPart,
    OrderPartStateChange,
    OrderState,
    OrderStateChange,
    ShortDelivery,
    state_of_parts,
)
from procurement.orders.selectors import (
    order_cancelable_by_buyer,
    order_not_found,
    orders_open_to,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations

MAX_LINE_QUANTITY = 1_000_000
# The largest total an order can keep (its `total_sum` column): a basket whose lines would sum
# beyond it could never be placed, so no change may take it there.
MAX_ORDER_TOTAL = MAX_MONEY

# What placing an order reads of each line (the checks, the snapshot and the invoice
# emails); not the offers' search text nor the supplier's password hash.
PLACING_READS = [
    "quantity",
    "offer__price",
    "offer__quantity",
    "offer__is_withdrawn",
    "offer__model",
    "offer__product__name",
    "offer__shop__name",
    "offer__shop__user__email",
    "offer__shop__user__language",
]
# Each line keeps its offer as it is when the order is placed (one round trip for all lines:
# built by the ORM, a CASE and five subqueries, it took a quarter of a confirmation's CPU).
KEEP_SNAPSHOT_SQL = (
    f"UPDATE {OrderItem._meta.db_table} SET price = %s, product_name = %s, model = %s,"  # noqa: S608
    " shop_id_snapshot = %s, shop_name = %s WHERE id = %s"
)
# A placed order's parts, one per shop of its lines (as the snapshot above names them), and
# the first entry of each part's history: two statements whatever the number of shops, no
# rows built in Python (part of every confirmation).
MAKE_PARTS_SQL = (
    f"INSERT INTO {OrderPart._meta.db_table} (order_id, shop_id, shop_name, state, updated_at)"  # noqa: S608
    " SELECT DISTINCT order_id, shop_id_snapshot, shop_name, %s, %s"
    f" FROM {OrderItem._meta.db_table} WHERE order_id = %s ORDER BY shop_id_snapshot"
)
FIRST_PART_HISTORY_SQL = (
    f"INSERT INTO {OrderPartStateChange._meta.db_table}"  # noqa: S608
    " (part_id, from_state, to_state, changed_by_id, at)"
    f" SELECT id, %s, %s, %s, %s FROM {OrderPart._meta.db_table} WHERE order_id = %s"
)


@dataclass(frozen=True)
class BasketLine:
    offer_id: int
    quantity: int


@dataclass(frozen=True)
class BasketChange:
    line_id: int
    quantity: int


@dataclass(frozen=True)
class LineShortage:
    """A placed line lowered to `quantity` units by its supplier."""

    line_id: int
    quantity: int


@dataclass(frozen=True)
class _PricedLine:
    """A basket line before and after a change, at its offer's current price."""

    key: str  # how the request names the line: an offer id (add) or a line id (update)
    price: Decimal
    before: int
    after: int


def _refuse_sums_beyond_an_order(lines: list[_PricedLine]) -> None:
    """Refuse a change that raises a line's sum or the basket's total beyond MAX_ORDER_TOTAL.

    A basket already beyond it (prices rose since its lines were added) may still be lowered.
    """
    bound = {"max": f"{MAX_ORDER_TOTAL:.2f}"}
    errors: dict = {}
    raised = {line.key: line.price * line.after for line in lines if line.after > line.before}
    too_large = {key: total for key, total in raised.items() if total > MAX_ORDER_TOTAL}
    if too_large:
        errors["items"] = {
            key: [
                _("This line would sum to %(sum)s, more than an order can hold (%(max)s).")
                % {"sum": f"{total:.2f}", **bound}
            ]
            for key, total in too_large.items()
        }
    before = sum((line.price * line.before for line in lines), Decimal("0.00"))
    after = sum((line.price * line.after for line in lines), Decimal("0.00"))
    if after > MAX_ORDER_TOTAL and after > before:
        errors["total_sum"] = [
            _("The basket would sum to %(sum)s, more than an order can hold (%(max)s).")
            % {"sum": f"{after:.2f}", **bound}
        ]
    if errors:
        raise ApplicationError(ErrorCode.INVALID, field_errors=errors)


def _refuse_repeated_lines(line_ids: list[int]) -> None:
    """A line named twice in one request is ambiguous (which quantity wins?), so the
    request is refused whole rather than one of them silently taking effect."""
    repeated = sorted(pk for pk, count in Counter(line_ids).items() if count > 1)
    if repeated:
        raise ApplicationError(
            ErrorCode.INVALID,
            field_errors={
                "items": {str(pk): [_("This line is given more than once.")] for pk in repeated}
            },
        )


def _priced_lines(basket: Order) -> list[OrderItem]:
    """Every line of the basket with its offer's current price."""
    return list(
        OrderItem.objects.filter(order=basket)
        .select_related("offer")
        .only("quantity", "offer__price")
    )


def basket_get_or_create(*, user: User) -> Order:
    basket = Order.baskets.filter(user=user).first()
    if basket is not None:
        return basket
    try:
        with transaction.atomic():
            return Order.baskets.create(user=user)
    except IntegrityError:  # created by a concurrent request
        return Order.baskets.get(user=user)


def _locked_basket(user: User) -> Order:
    """The user's basket, locked for the rest of the transaction (created when missing)."""
    basket_get_or_create(user=user)
    return Order.baskets.select_for_update(no_key=True).get(user=user)


def _orderable_offers(
    offer_ids: set[int],
) -> "dict[int, WithAnnotations[Offer, ShopOpenForOrders]]":
    """The offers with whether their shop is open for orders, by id."""
    offers = (
        Offer.objects.select_related("shop")
        .filter(pk__in=offer_ids)
        .annotate(shop_open_for_orders=open_for_orders_value("shop__"))
    )
    return {offer.pk: offer for offer in offers}


def _not_orderable(offer: "WithAnnotations[Offer, ShopOpenForOrders] | None") -> str | None:
    """Why more of `offer` (loaded by `_orderable_offers`) cannot go into a basket, if so."""
    if offer is None or offer.is_withdrawn:
        return _("No such offer in the catalog.")
    if not offer.shop_open_for_orders:
        return _("The shop %(shop)s does not accept orders now.") % {"shop": offer.shop.name}
    return None


@retry_on_conflict()
@transaction.atomic
def basket_add(*, user: User, lines: list[BasketLine]) -> int:
    """Add offers to the basket; an offer already there gets the quantity added.

    All lines are checked first: one bad line refuses the whole request.
    """
    basket = _locked_basket(user)
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.offer_id] += line.quantity
    offers = _orderable_offers(set(wanted))
    in_basket = _priced_lines(basket)
    existing = {item.offer_id: item for item in in_basket if item.offer_id in wanted}
    errors = {}
    for offer_id, quantity in wanted.items():
        offer = offers.get(offer_id)
        if refusal := _not_orderable(offer):
            errors[str(offer_id)] = [refusal]
        elif (
            quantity + (existing[offer_id].quantity if offer_id in existing else 0)
            > MAX_LINE_QUANTITY
        ):
            errors[str(offer_id)] = [
                _("At most %(max)d units per line.") % {"max": MAX_LINE_QUANTITY}
            ]
    if errors:
        raise ApplicationError(ErrorCode.INVALID, field_errors={"items": errors})
    before = {item.offer_id: item.quantity for item in in_basket}
    prices = {item.offer_id: item.offer.price for item in in_basket}
    prices.update((offer_id, offers[offer_id].price) for offer_id in wanted)
    _refuse_sums_beyond_an_order(
        [
            _PricedLine(
                str(offer_id),
                price,
                before.get(offer_id, 0),
                before.get(offer_id, 0) + wanted.get(offer_id, 0),
            )
            for offer_id, price in prices.items()
        ]
    )

    to_update = []
    for offer_id, item in existing.items():
        item.quantity += wanted[offer_id]
        to_update.append(item)
    OrderItem.objects.bulk_update(to_update, ["quantity"])
    OrderItem.objects.bulk_create(
        OrderItem(order=basket, offer_id=offer_id, quantity=quantity)
        for offer_id, quantity in wanted.items()
        if offer_id not in existing
    )
    Order.baskets.filter(pk=basket.pk).update(updated_at=timezone.now())
    return len(wanted)


@retry_on_conflict()
@transaction.atomic
def basket_update(*, user: User, changes: list[BasketChange]) -> int:
    """Set the quantity of basket lines by their ids."""
    _refuse_repeated_lines([change.line_id for change in changes])
    basket = _locked_basket(user)
    quantities = {change.line_id: change.quantity for change in changes}
    in_basket = _priced_lines(basket)
    items = [item for item in in_basket if item.pk in quantities]
    unknown = set(quantities) - {item.pk for item in items}
    if unknown:
        raise ApplicationError(
            ErrorCode.INVALID,
            field_errors={
                "items": {
                    str(item_id): [_("No such line in your basket.")] for item_id in sorted(unknown)
                }
            },
        )
    # Raising a line adds goods just as POST does, so the same offers are refused; lowering
    # or keeping a line stays open, so a basket can always be trimmed.
    raised = [item for item in items if quantities[item.pk] > item.quantity]
    offers = _orderable_offers({item.offer_id for item in raised}) if raised else {}
    refused = {
        str(item.pk): [refusal]
        for item in raised
        if (refusal := _not_orderable(offers.get(item.offer_id)))
    }
    if refused:
        raise ApplicationError(ErrorCode.INVALID, field_errors={"items": refused})
    _refuse_sums_beyond_an_order(
        [
            _PricedLine(
                str(item.pk),
                item.offer.price,
                item.quantity,
                quantities.get(item.pk, item.quantity),
            )
            for item in in_basket
        ]
    )
    for item in items:
        item.quantity = quantities[item.pk]
    OrderItem.objects.bulk_update(items, ["quantity"])
    return len(items)


@retry_on_conflict()
@transaction.atomic
def basket_remove(*, user: User, item_ids: list[int]) -> int:
    basket = _locked_basket(user)
    deleted, _counts = OrderItem.objects.filter(order=basket, pk__in=item_ids).delete()
    return deleted


def _address_of(contact: Contact) -> dict:
    fields = ["city", "street", "house", "structure", "building", "apartment", "phone"]
    return {"id": contact.pk, **{name: getattr(contact, name) for name in fields}}


@retry_on_conflict()
@transaction.atomic
def order_place(*, buyer: User, basket_id: int, contact_id: int) -> Order:
    """Turn the basket into order N in state `new`, taking the stock for every line.

    The offers are locked in primary-key order (no deadlocks between two placements)
    before their stock is checked and taken, so two buyers can never together take
    more than there is.
    """
    order = Order.baskets.select_for_update(no_key=True).filter(pk=basket_id, user=buyer).first()
    if order is None:
        if Order.placed.filter(pk=basket_id, user=buyer).exists():
            raise ApplicationError(
                ErrorCode.CONFLICT, _("Only a basket can be placed as an order.")
            )
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such basket."))
    order.user = buyer
    try:
        contact = Contact.objects.get(pk=contact_id, user=buyer)
    except Contact.DoesNotExist:
        raise ApplicationError(
            ErrorCode.INVALID, field_errors={"contact": [_("No such contact of yours.")]}
        ) from None
    # The lines' offers locked in primary-key order, by a statement that reads them alone;
    # then the lines with their offers, read after every lock is held. Locked in the same
    # statement as its join, an offer an import moved to another product meanwhile (a good
    # renamed) would be read again after the wait, no longer match the product row read
    # before it, and drop out of the result: its line lost to the order.
    lines = OrderItem.objects.filter(order_id=order.pk)
    list(
        Offer.objects.filter(pk__in=lines.values("offer_id"))
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
    items = list(
        lines.select_related("offer__product", "offer__shop__user")
        .only(*PLACING_READS)
        .annotate(shop_open_for_orders=open_for_orders_value("offer__shop__"))
        .order_by("offer_id")
    )
    if not items:
        raise ApplicationError(ErrorCode.CONFLICT, _("The basket is empty."))
    closed = sorted({item.offer.shop.name for item in items if not item.shop_open_for_orders})
    if closed:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("These shops do not accept orders now: %(shops)s.") % {"shops": ", ".join(closed)},
            extra={"shops": closed},
        )
    withdrawn = [item.pk for item in items if item.offer.is_withdrawn]
    if withdrawn:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("Some lines are no longer in their shop's price list."),
            extra={"lines": withdrawn},
        )
    shortages = [
        {
            "id": item.pk,
            "product_info": item.offer_id,
            "requested": item.quantity,
            "available": item.offer.quantity,
        }
        for item in items
        if item.quantity > item.offer.quantity
    ]
    if shortages:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("Not enough stock for some lines."), extra={"lines": shortages}
        )
    total = sum((item.offer.price * item.quantity for item in items), Decimal("0.00"))
    if total > MAX_ORDER_TOTAL:  # a basket filled before its prices rose
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("The order would sum to %(sum)s, more than an order can hold (%(max)s).")
            % {"sum": f"{total:.2f}", "max": f"{MAX_ORDER_TOTAL:.2f}"},
            extra={"total_sum": f"{total:.2f}"},
        )

    # The offers are locked and checked above; the stock is taken conditionally all the same.
    if not offers.take_stock(quantities={item.offer_id: item.quantity for item in items}):
        raise ApplicationError(ErrorCode.CONFLICT, _("Not enough stock for some lines."))
    with connection.cursor() as cursor:
        cursor.executemany(
            KEEP_SNAPSHOT_SQL,
            [
                (
                    item.offer.price,
                    item.offer.product.name,
                    item.offer.model,
                    item.offer.shop_id,
                    item.offer.shop.name,
                    item.pk,
                )
                for item in items
            ],
        )

    order.state = OrderState.NEW
    order.contact = contact
    order.delivery_address = _address_of(contact)
    order.total_sum = total
    order.placed_at = timezone.now()
    order.save(
        update_fields=[
            "state",
            "contact",
            "delivery_address",
            "total_sum",
            "placed_at",
            "updated_at",
        ]
    )
    OrderStateChange.objects.create(
        order=order, from_state=OrderState.BASKET, to_state=OrderState.NEW, changed_by=buyer
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(MAKE_PARTS_SQL, [OrderState.NEW.value, now, order.pk])
        cursor.execute(
            FIRST_PART_HISTORY_SQL,
            [OrderState.BASKET.value, OrderState.NEW.value, buyer.pk, now, order.pk],
        )
    shops = sorted({item.offer.shop for item in items}, key=lambda shop: shop.pk)

    queue(
        order_confirmation_email(order=order),
        order_invoice_for_admin_email(order=order),
        *[
            order_invoice_for_supplier_email(order=order, shop=shop)
            for shop in shops
            if shop.user_id is not None
        ],
    )
    return order


def _locked_parts(order: Order) -> list[OrderPart]:
    """Every part of the locked order, locked in primary-key order."""
    return list(OrderPart.objects.filter(order=order).select_for_update(no_key=True).order_by("pk"))


def state_label(state: str) -> str:
    """The state's name in the active language: messages name it as the reader knows it,
    not by its code."""
    return str(OrderState(state).label)


def _refuse_unknown_state(state: str) -> None:
    if state not in OrderState.values or state == OrderState.BASKET:
        raise ApplicationError(ErrorCode.INVALID, field_errors={"state": [_("Unknown state.")]})


def _move_parts(
    *, order: Order, parts: list[OrderPart], state: str, actor: User | None
) -> list[tuple[OrderPart, str]]:
    """Move `parts` (locked, each allowed the move) to `state` → (part, previous state) each.

    Canceling returns the stock of their lines: a part leaves `canceled` never, so its stock
    comes back once.
    """
    if state == OrderState.CANCELED:
        lines = OrderItem.objects.filter(
            order=order, shop_id_snapshot__in=[part.shop_id for part in parts], quantity__gt=0
        )
        offers.return_stock(quantities=dict(lines.values_list("offer_id", "quantity")))
    moves = [(part, part.state) for part in parts]
    now = timezone.now()
    OrderPart.objects.filter(pk__in=[part.pk for part in parts]).update(state=state, updated_at=now)
    for part in parts:
        part.state, part.updated_at = state, now
    OrderPartStateChange.objects.bulk_create(
        OrderPartStateChange(part=part, from_state=previous, to_state=state, changed_by=actor)
        for part, previous in moves
    )
    return moves


def _follow_parts(*, order: Order, parts: list[OrderPart], actor: User | None) -> str:
    """Set the order's state from its parts' (kept in its history when it changes)
    → the order's previous state."""
    previous = order.state
    state = state_of_parts([part.state for part in parts])
    if state != previous:
        order.state = state
        order.save(update_fields=["state", "updated_at"])
        OrderStateChange.objects.create(
            order=order, from_state=previous, to_state=state, changed_by=actor
        )
    return previous


@retry_on_conflict()
@transaction.atomic
def order_set_state(*, order_id: int, state: str, actor: User | None) -> Order:
    """Move a whole order to `state`: every part that can make the move makes it, and the
    order follows its parts. The one way the API, the admin and tasks move whole orders.

    The owner may only cancel an order whose parts are all still `new`; staff (or the
    system, `actor=None`) may make any move that at least one part can make. Canceling
    returns the stock.
    """
    order = (
        orders_open_to(actor)
        .select_related("user")
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise order_not_found()
    _refuse_unknown_state(state)
    parts = _locked_parts(order)
    going = [part for part in parts if part.state != OrderState.CANCELED]
    is_staff = actor is None or actor.is_staff
    if not is_staff and not (
        state == OrderState.CANCELED and order_cancelable_by_buyer(order, parts=going)
    ):
        raise ApplicationError(
            ErrorCode.FORBIDDEN, _("You may only cancel an order that is still new.")
        )
    movable = [part for part in parts if state in ALLOWED_TRANSITIONS[part.state]]
    if not movable:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("An order in state %(from)s cannot become %(to)s.")
            % {"from": state_label(order.state), "to": state_label(state)},
        )
    moves = _move_parts(order=order, parts=movable, state=state, actor=actor)
    previous = _follow_parts(order=order, parts=parts, actor=actor)
    queue(order_state_changed_email(order=order, previous_state=previous, moves=moves))
    return order


def _supplier_shop_id(supplier: User) -> int | None:
    return Shop.objects.filter(user=supplier).values_list("pk", flat=True).first()


def _locked_order_of_part(
    *, orders: "QuerySet[Order]", order_id: int, shop_id: int | None = None, part_id: int | None
) -> tuple[Order, list[OrderPart], OrderPart]:
    """The order (locked), its parts (locked in primary-key order) and the part asked for,
    by its shop or its id; 404 when the order or the part is not there."""
    if shop_id is not None:
        orders = orders.filter(parts__shop_id=shop_id)
    order = (
        orders.select_related("user")
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise order_not_found()
    parts = _locked_parts(order)
    for part in parts:
        if part.shop_id == shop_id or part.pk == part_id:
            return order, parts, part
    raise ApplicationError(
        ErrorCode.NOT_FOUND,
        _("This order has no such part."),
        field_errors={"part": [_("No such part in this order.")]},
    )


def _move_one_part(
    *, order: Order, parts: list[OrderPart], part: OrderPart, state: str, actor: User | None
) -> OrderPart:
    if state not in ALLOWED_TRANSITIONS[part.state]:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("The part of %(shop)s in state %(from)s cannot become %(to)s.")
            % {"shop": part.shop_name, "from": state_label(part.state), "to": state_label(state)},
        )
    ((_part, previous),) = _move_parts(order=order, parts=[part], state=state, actor=actor)
    _follow_parts(order=order, parts=parts, actor=actor)
    queue(order_part_state_changed_email(order=order, part=part, previous_state=previous))
    return part


@retry_on_conflict()
@transaction.atomic
def order_part_set_state(
    *, order_id: int, part_id: int, state: str, actor: User | None
) -> OrderPart:
    """Move one part of an order, by the order's side: the owner may only cancel a part
    that is still `new`; staff (or the system, `actor=None`) may make any allowed move."""
    _refuse_unknown_state(state)
    order, parts, part = _locked_order_of_part(
        orders=orders_open_to(actor), order_id=order_id, part_id=part_id
    )
    is_staff = actor is None or actor.is_staff
    if not is_staff and not (part.state == OrderState.NEW and state == OrderState.CANCELED):
        raise ApplicationError(
            ErrorCode.FORBIDDEN, _("You may only cancel a part that is still new.")
        )
    return _move_one_part(order=order, parts=parts, part=part, state=state, actor=actor)


def _supplier_order(supplier: User, order_id: int) -> tuple[Order, list[OrderPart], OrderPart]:
    shop_id = _supplier_shop_id(supplier)
    if shop_id is None:
        raise order_not_found()
    return _locked_order_of_part(
        orders=Order.placed.all(), order_id=order_id, shop_id=shop_id, part_id=None
    )


@retry_on_conflict()
@transaction.atomic
def supplier_part_set_state(*, order_id: int, state: str, supplier: User) -> OrderPart:
    """The supplier moves its own part of order `order_id`; 404 when the order holds none of
    its goods, 409 for a move the states do not allow."""
    _refuse_unknown_state(state)
    order, parts, part = _supplier_order(supplier, order_id)
    return _move_one_part(order=order, parts=parts, part=part, state=state, actor=supplier)


@retry_on_conflict()
@transaction.atomic
def supplier_part_short_deliver(
    *, order_id: int, supplier: User, lines: list[LineShortage], reason: str
) -> OrderPart:
    """The supplier lowers lines of its part before the part is assembled (0 takes a line's
    goods out): the difference goes back to stock, the order's total follows, the buyer is
    told. A line never grows; lines asked at their current quantity are left alone."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            ErrorCode.INVALID, field_errors={"reason": [_("Say why the lines are lowered.")]}
        )
    order, _parts, part = _supplier_order(supplier, order_id)
    if part.state not in SHORTABLE_STATES:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("A part in state %(state)s can no longer be lowered.")
            % {"state": state_label(part.state)},
        )
    items = {
        item.pk: item
        for item in OrderItem.objects.filter(order=order, shop_id_snapshot=part.shop_id)
    }
    _refuse_repeated_lines([line.line_id for line in lines])
    wanted = {line.line_id: line.quantity for line in lines}
    unknown = sorted(set(wanted) - set(items))
    if unknown:
        raise ApplicationError(
            ErrorCode.INVALID,
            field_errors={"items": {str(pk): [_("No such line in your part.")] for pk in unknown}},
        )
    raised = [
        {"id": pk, "quantity": items[pk].quantity, "requested": quantity}
        for pk, quantity in sorted(wanted.items())
        if quantity > items[pk].quantity
    ]
    if raised:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("A line's quantity can only be lowered."),
            extra={"lines": raised},
        )
    lowered = [
        (items[pk], items[pk].quantity, quantity)
        for pk, quantity in sorted(wanted.items())
        if quantity < items[pk].quantity
    ]
    if not lowered:
        return part
    offers.return_stock(
        quantities={item.offer_id: before - after for item, before, after in lowered}
    )
    for item, _before, after in lowered:
        item.quantity = after
    OrderItem.objects.bulk_update([item for item, _before, _after in lowered], ["quantity"])
    ShortDelivery.objects.bulk_create(
        ShortDelivery(
            part=part,
            item=item,
            quantity_before=before,
            quantity_after=after,
            reason=reason,
            changed_by=supplier,
        )
        for item, before, after in lowered
    )
    order.total_sum = sum(
        (
            item.placed_sum
            for item in OrderItem.objects.filter(order=order).only("price", "quantity")
        ),
        Decimal("0.00"),
    )
    order.save(update_fields=["total_sum", "updated_at"])
    queue(
        order_short_delivery_email(
            order=order,
            part=part,
            reason=reason,
            lines=[(item, before, after) for item, before, after in lowered],
        )
    )
    return part
