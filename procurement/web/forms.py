"""The forms of the web pages: they check the shape of what a person typed; the rules are the
services' (a refusal comes back as an ApplicationError and is shown on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from procurement.accounts.models import Contact, UserType
from procurement.core.errors import ApplicationError
from procurement.core.parsing import MAX_ID
from procurement.orders.models import PLACED_STATE_CHOICES
from procurement.orders.services import MAX_LINE_QUANTITY
from procurement.pricelists.models import ExportFormat, PullEvery


def show_refusal(form: forms.BaseForm, error: ApplicationError) -> None:
    """Put a service's refusal on the form: each field's messages next to it, the rest on top."""
    shown = False
    for name, messages in error.field_errors.items():
        if name in form.fields and isinstance(messages, list):
            field = None if form.fields[name].widget.is_hidden else name
            for message in messages:
                form.add_error(field, str(message))
            shown = True
    if not shown:
        form.add_error(None, error.message)


class LoginForm(forms.Form):
    email = forms.CharField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput
    )


class RegisterForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput
    )
    company = forms.CharField(label=_("Company"), max_length=100, required=False)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    type = forms.ChoiceField(
        label=_("Account type"), choices=UserType.choices, initial=UserType.BUYER
    )


class ConfirmEmailForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.HiddenInput)
    token = forms.CharField(max_length=100, widget=forms.HiddenInput)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class PasswordResetConfirmForm(forms.Form):
    token = forms.CharField(max_length=100, widget=forms.HiddenInput)
    password = forms.CharField(
        label=_("New password"), max_length=128, strip=False, widget=forms.PasswordInput
    )


class IdField(forms.IntegerField):
    """An id within the database's range: anything else is a clear error, not an overflow."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class QuantityField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_LINE_QUANTITY, **kwargs)


class BasketAddForm(forms.Form):
    offer = IdField(widget=forms.HiddenInput)
    quantity = QuantityField(label=_("Quantity"), initial=1)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["city", "street", "house", "structure", "building", "apartment", "phone"]


class PlaceOrderForm(forms.Form):
    contact = IdField(label=_("Delivery contact"))


class OrderStateFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any")), *PLACED_STATE_CHOICES], required=False
    )


class PartStateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=PLACED_STATE_CHOICES)


class ShortDeliveryForm(forms.Form):
    """One line of the supplier's part lowered (0 takes its goods out), and why."""

    line = IdField(label=_("Line"))
    quantity = forms.IntegerField(label=_("New quantity"), min_value=0, max_value=MAX_LINE_QUANTITY)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].widget = forms.Select(
            choices=[(line.pk, f"{line.product_name} ({line.quantity})") for line in lines]
        )


class ShopStateForm(forms.Form):
    accepts_orders = forms.BooleanField(required=False)


class PriceListUploadForm(forms.Form):
    file = forms.FileField(label=_("Price list file"), required=False)
    url = forms.URLField(
        label=_("or its URL"), max_length=2000, required=False, assume_scheme="https"
    )
    dry_run = forms.BooleanField(
        label=_("Preview only"),
        required=False,
        help_text=_("Check the list and see what would change; nothing is written."),
    )

    def clean(self):
        cleaned = super().clean() or {}
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(_("Choose a file or give a URL, not both."))
        return cleaned


class ShopNameForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=100)


class PriceListSourceForm(forms.Form):
    # The service checks the URL by the same rules as an import's (and says why not).
    url = forms.CharField(label=_("Price list URL"), max_length=2000)
    every = forms.ChoiceField(label=_("Pull it"), choices=PullEvery.choices)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)
