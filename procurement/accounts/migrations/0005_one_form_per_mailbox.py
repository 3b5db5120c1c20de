"""Addresses kept in the one form per mailbox (`models.mailbox`). An account whose address
in that form is already another account's keeps its own: which of the two the mailbox's
owner uses is not for a migration to decide (the oldest takes the form), and login finds
the one in that form."""

from django.db import migrations

from procurement.accounts.models import mailbox


def forward(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Registration = apps.get_model("accounts", "Registration")
    taken = set(User.objects.values_list("email", flat=True))
    for pk, email in User.objects.order_by("pk").values_list("pk", "email").iterator():
        form = mailbox(email)
        if form != email and form not in taken:
            User.objects.filter(pk=pk).update(email=form)
            taken.add(form)
    for pk, email in Registration.objects.values_list("pk", "email").iterator():
        form = mailbox(email)
        if form != email:
            Registration.objects.filter(pk=pk).update(email=form)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_new_shop_accepts_orders")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
