"""What earlier versions left behind, made safe.

- Registration used to create an inactive user at once, holding the password of whoever
  registered the address first. Every inactive user that never logged in gets an
  unusable password and loses its one-time tokens: nobody can log in to it, and the next
  confirmed registration of the address takes it over with its own data.
- API keys were kept in plain text in the table of rest_framework.authtoken, one per user.
  When that table exists, each key is carried over as the digest of an ApiToken (the
  clients holding it keep working) and removed from it.
"""

import hashlib
from datetime import UTC

from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DRF_TOKEN_TABLE = "authtoken_token"


def secure_unconfirmed_users(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    OneTimeToken = apps.get_model("accounts", "OneTimeToken")
    unconfirmed = User.objects.filter(is_active=False, last_login__isnull=True)
    OneTimeToken.objects.filter(user__in=unconfirmed).delete()
    unconfirmed.update(password=make_password(None))


def _aware(created):
    if isinstance(created, str):
        created = parse_datetime(created)
    if created is None:
        return timezone.now()
    return timezone.make_aware(created, UTC) if timezone.is_naive(created) else created


def carry_over_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TOKEN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    table = connection.ops.quote_name(DRF_TOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            digest=hashlib.sha256(key.encode()).hexdigest(),
            created_at=_aware(created),
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_registration_apitoken"),
    ]

    operations = [
        migrations.RunPython(secure_unconfirmed_users, migrations.RunPython.noop),
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
