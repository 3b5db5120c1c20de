import hashlib
import unicodedata
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserType(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SHOP = "shop", _("Supplier")


def mailbox(email: str) -> str:
    """The one form of an address per mailbox, in which accounts and registrations are kept
    and looked up: in Unicode's composed form (NFC), lower case, its domain in IDNA, the
    form mail is delivered to. `x@exämple.com`, the same with a combining diaeresis, and
    `x@xn--exmple-cua.com` reach one mailbox: they must not be three accounts."""
    email = unicodedata.normalize("NFC", email.strip()).lower()
    local, at, domain = email.rpartition("@")
    if not at or domain.isascii():
        return email
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # no host name: the address's validation refuses it
        return email


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return mailbox(email or "")

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email=self.normalize_email(email))

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.update(is_staff=True, is_superuser=True, is_active=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Logs in by email; a buyer or a supplier (`shop`)."""

    # No username: the account logs in by email. Django's documented way to drop a field of
    # AbstractUser, which its stub types as always present.
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    company = models.CharField(_("company"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=5, choices=UserType.choices, default=UserType.BUYER
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    new_shop_accepts_orders = models.BooleanField(
        _("new shop accepts orders"),
        default=True,
        help_text=_(
            "A supplier's intake switch set before its first price list: that import creates "
            "the shop with it. Once the shop exists, the switch is the shop's."
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    # Creates users by email; AbstractUser's stub expects Django's username-based manager.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_supplier(self) -> bool:
        return self.type == UserType.SHOP


class Contact(models.Model):
    """A delivery contact of a user (at most MAX_CONTACTS_PER_USER)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("user"),
    )
    city = models.CharField(_("city"), max_length=50)
    street = models.CharField(_("street"), max_length=100)
    house = models.CharField(_("house"), max_length=15, blank=True)
    structure = models.CharField(_("structure"), max_length=15, blank=True)
    building = models.CharField(_("building"), max_length=15, blank=True)
    apartment = models.CharField(_("apartment"), max_length=15, blank=True)
    phone = models.CharField(_("phone"), max_length=20)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.address_line()

    def address_line(self) -> str:
        parts = [self.city, self.street, self.house, self.structure, self.building, self.apartment]
        return ", ".join(part for part in parts if part)


class TokenPurpose(models.TextChoices):
    CONFIRM_EMAIL = "confirm_email", _("email confirmation")
    RESET_PASSWORD = "reset_password", _("password reset")


class OneTimeToken(models.Model):
    """A single-use, expiring token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=TokenPurpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} token of user {self.user_id}"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return digest_of(raw_token)


def digest_of(secret: str) -> str:
    """What is stored of a random secret (token, key): its SHA-256, enough for 256-bit secrets."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Registration(models.Model):
    """A registration waiting for the confirmation of its email address.

    The account is made from it only when its own token comes back, so an address can
    have several pending registrations and none of them touches an existing user. Only
    the token's digest and the password's hash are kept.
    """

    email = models.EmailField(_("email"))
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    password = models.CharField(_("password"), max_length=128)  # a hash, as User.password
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    company = models.CharField(_("company"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=5, choices=UserType.choices, default=UserType.BUYER
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["email"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """The API key of one login (`Authorization: Token <key>`); only its SHA-256 digest is stored.

    Each login gets its own, so logging out one client leaves the others logged in.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"API token of user {self.user_id}"
