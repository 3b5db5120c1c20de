"""The search text folds each punctuation mark into a letter of its own
(`procurement.catalog.search`): the stored texts are folded here, a batch of offers at a
time, each batch its own transaction, so checkouts and imports wait for one batch at most.
About a minute and a half per million offers on PostgreSQL.

Only marks are turned into letters: a text written before could hold one of the letters
only if a price list did, and the search folds it away from then on. The marks and
their letters are frozen here; tests/catalog/test_search_index.py checks they are the
search's.
"""

from django.db import migrations, transaction

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»„“”‘’–—…№•·×°±§"
PUNCTUATION_LETTERS = "".join(chr(0xA500 + index) for index in range(len(PUNCTUATION)))
BATCH = 10_000


def _translate(apps, schema_editor, marks: str, letters: str) -> None:
    """Every offer's search text with each of `marks` turned into the letter at the same
    place in `letters`, a batch of offers a transaction."""
    Offer = apps.get_model("catalog", "Offer")
    connection = schema_editor.connection
    last = Offer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    table = connection.ops.quote_name(Offer._meta.db_table)
    by_letter = str.maketrans(marks, letters)
    for first in range(0, last + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET search_text = translate(search_text, %s, %s) "  # noqa: S608
                    "WHERE id >= %s AND id < %s AND search_text <> translate(search_text, %s, %s)",
                    [marks, letters, first, first + BATCH, marks, letters],
                )
                continue
            rows = Offer.objects.filter(pk__gte=first, pk__lt=first + BATCH).values_list(
                "pk", "search_text"
            )
            changed = [
                (translated, pk)
                for pk, text in rows
                if (translated := text.translate(by_letter)) != text
            ]
            cursor.executemany(
                f"UPDATE {table} SET search_text = %s WHERE id = %s",  # noqa: S608
                changed,
            )


def fold_punctuation(apps, schema_editor):
    _translate(apps, schema_editor, PUNCTUATION, PUNCTUATION_LETTERS)


def unfold_punctuation(apps, schema_editor):
    _translate(apps, schema_editor, PUNCTUATION_LETTERS, PUNCTUATION)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0006_offer_names"),
    ]

    operations = [
        migrations.RunPython(fold_punctuation, unfold_punctuation, elidable=False),
    ]
