"""ImportJob.owner and ExportJob.user → supplier: the data stays, the columns (and the names
the database made up from them) take the new name."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import deletion

from procurement.core.schema_names import rename_to_current_names


def rename_database_objects(apps, schema_editor):
    for model_name in ["ImportJob", "ExportJob"]:
        rename_to_current_names(schema_editor, apps.get_model("pricelists", model_name))


class Migration(migrations.Migration):
    dependencies = [
        ("pricelists", "0004_job_lease"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="importjob", old_name="owner", new_name="supplier"),
        migrations.AlterField(
            model_name="importjob",
            name="supplier",
            field=models.ForeignKey(
                on_delete=deletion.CASCADE,
                related_name="import_jobs",
                to=settings.AUTH_USER_MODEL,
                verbose_name="supplier",
            ),
        ),
        migrations.RenameField(model_name="exportjob", old_name="user", new_name="supplier"),
        migrations.AlterField(
            model_name="exportjob",
            name="supplier",
            field=models.ForeignKey(
                on_delete=deletion.CASCADE,
                related_name="export_jobs",
                to=settings.AUTH_USER_MODEL,
                verbose_name="supplier",
            ),
        ),
        migrations.RunPython(rename_database_objects, migrations.RunPython.noop, elidable=False),
    ]
