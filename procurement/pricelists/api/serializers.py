from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from procurement.catalog.models import Shop
from procurement.core.serializers import ContractModelSerializer
from procurement.pricelists.models import (
    ExportFormat,
    ExportJob,
    ImportJob,
    JobState,
    PriceListSource,
    PullEvery,
)
from procurement.pricelists.validate import SHOP_NAME_MAX


class JobStateField(serializers.ChoiceField):
    """A job's state: queued, running, done or failed."""

    def __init__(self, **kwargs):
        super().__init__(choices=JobState.choices, **kwargs)


URL_HELP = (
    "An http(s) URL of a price list: YAML, JSON, CSV or XLSX. Stored and requested as a "
    "browser sends it (a non-ASCII host in IDNA, spaces and non-ASCII characters "
    "percent-encoded as UTF-8); a URL with a control character is refused."
)
FILE_HELP = (
    "The price list as a multipart upload: YAML, JSON, CSV (UTF-8, UTF-16 or cp1251; `,`, `;` "
    "or tabs) or XLSX (one sheet), told apart by the file name's extension, or by the "
    "content when the name does not say."
)
DRY_RUN_HELP = (
    "Preview: check the list and compute what would change (counts and a sample of the "
    "changes in the job), writing nothing."
)


class DryRunField(serializers.BooleanField):
    """`dry_run`, which a form's empty value or a second value does not answer: DRF would
    take the one for false and the other for its last value, and so apply a list the
    supplier meant to preview. Both are refused."""

    default_error_messages = {"repeated": _("Give this field once.")}

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values if len(values) > 1 else values[0]  # "" stays: not a boolean
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, list):
            self.fail("repeated")
        return super().to_internal_value(data)


def dry_run_field() -> serializers.BooleanField:
    return DryRunField(required=False, default=False, help_text=DRY_RUN_HELP)


class ImportUrlSerializer(serializers.Serializer):
    """A price list to download (a JSON body)."""

    url = serializers.CharField(max_length=2000, help_text=URL_HELP)
    dry_run = dry_run_field()


class ImportFileSerializer(serializers.Serializer):
    """A price list uploaded as a file (a multipart body)."""

    file = serializers.FileField(help_text=FILE_HELP)
    dry_run = dry_run_field()


class ImportRequestSerializer(serializers.Serializer):
    """What `partner/update` reads, whatever the body's media type: a url or a file."""

    url = serializers.CharField(max_length=2000, required=False, help_text=URL_HELP)
    file = serializers.FileField(required=False, help_text=FILE_HELP)
    dry_run = dry_run_field()

    def validate(self, attrs):
        if ("url" in attrs) == ("file" in attrs):
            raise serializers.ValidationError(_("Send either a url or a file, not both."))
        return attrs


class JobCreatedSerializer(serializers.Serializer):
    Status = serializers.BooleanField()
    job = serializers.IntegerField()


class ImportJobSerializer(serializers.ModelSerializer):
    state = JobStateField()
    # A field named `errors`: DRF's metaclass moves it into _declared_fields, so the
    # serializer's own `errors` stays; the stub sees an attribute replaced.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(),
        help_text="What is wrong and where, one entry per problem: `message` (one line for "
        "people, naming where, in the supplier's language), `error`, and where it is when "
        "known: section, index, id, field; line (YAML), row (CSV), row and cell (XLSX).",
    )
    warnings = serializers.ListField(
        child=serializers.DictField(),
        help_text="What the price list asked for and did not get, the import still done: "
        "message, warning, and section, index, id, field (e.g. a category other shops use "
        "keeps its name; the shop keeps its name).",
    )
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text="A preview's first changes: first the shop's categories (section "
        "`categories`, id, name, change: renamed with old_name, listed, unlisted), then its "
        "goods (id, name, change: created, updated, withdrawn; price and quantity, [old, new] "
        "when updated; old_name when renamed). Empty for an import.",
    )
    total = serializers.IntegerField(
        allow_null=True, help_text="Goods in the price list; null until it is read."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "state",
            "dry_run",
            "scheduled",
            "source",
            "processed",
            "total",
            "created",
            "updated",
            "withdrawn",
            "changes",
            "warnings",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobSummarySerializer(serializers.ModelSerializer):
    """An import job in the supplier's history: its state and counts (the job's own URL
    gives its changes, warnings and errors)."""

    state = JobStateField()
    total = serializers.IntegerField(allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            name
            for name in ImportJobSerializer.Meta.fields
            if name not in ("changes", "warnings", "errors")
        ]
        read_only_fields = fields


class ShopStateSerializer(ContractModelSerializer):
    """The supplier's shop and its switch; before the first price list creates the shop,
    `id` and `name` are null and `state` is what the shop will start with."""

    id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null until the first price list."
    )
    name = serializers.CharField(
        read_only=True, allow_null=True, help_text="null until the first price list."
    )

    class Meta:
        model = Shop
        fields = ["id", "name", "state"]
        api_names = {"state": "accepts_orders"}
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.pk is None:
            data["name"] = None
        return data


class ShopStateResultSerializer(ShopStateSerializer):
    Status = serializers.BooleanField()

    class Meta(ShopStateSerializer.Meta):
        fields = ["Status", *ShopStateSerializer.Meta.fields]
        read_only_fields = fields


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": ["on", "off", "true", "false", "1", "0"]},
            {"type": "boolean"},
            {"type": "integer", "enum": [0, 1]},
        ]
    }
)
class OnOffField(serializers.Field):
    default_error_messages = {"invalid": _("Expected on/off, true/false or 1/0.")}
    _WORDS = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}

    def to_internal_value(self, data) -> bool:
        if isinstance(data, bool):
            return data
        if type(data) is int and data in (0, 1):
            return bool(data)
        if isinstance(data, str) and data.strip().lower() in self._WORDS:
            return self._WORDS[data.strip().lower()]
        self.fail("invalid")

    def to_representation(self, value):
        return value


class ShopStateInputSerializer(serializers.Serializer):
    state = OnOffField(required=False, help_text="Accept orders (on/true/1) or not (off/false/0).")
    name = serializers.CharField(
        required=False,
        max_length=SHOP_NAME_MAX,
        help_text="The shop's new name (price lists never rename the shop).",
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send state, name or both."))
        return attrs


class ExportFormatQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.YAML)


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)


class ExportJobSerializer(serializers.ModelSerializer):
    state = JobStateField()
    # A field named `errors`: DRF's metaclass moves it into _declared_fields, so the
    # serializer's own `errors` stays; the stub sees an attribute replaced.
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    download = serializers.SerializerMethodField(
        help_text="When the job is done: the URL of the file (GET, same authentication)."
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "state",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, job) -> str | None:
        if job.state != JobState.DONE:
            return None
        path = reverse("partner-export-download", kwargs={"job_id": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class SourceInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="An http(s) URL of your price list (any import format); the same rules as "
        "an import's URL.",
    )
    every = serializers.ChoiceField(choices=PullEvery.choices, help_text="hourly or daily.")


class SourceSerializer(serializers.ModelSerializer):
    """A price list pulled on a schedule; each pull is an import job (`GET partner/imports`)."""

    class Meta:
        model = PriceListSource
        fields = ["url", "every", "last_pulled_at"]
        read_only_fields = fields


class SourceResultSerializer(SourceSerializer):
    Status = serializers.BooleanField()

    class Meta(SourceSerializer.Meta):
        fields = ["Status", *SourceSerializer.Meta.fields]
        read_only_fields = fields
