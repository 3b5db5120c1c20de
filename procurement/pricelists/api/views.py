import re
from collections.abc import Iterable
from types import SimpleNamespace

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAcceptable
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.catalog.selectors import supplier_shop
from procurement.core.parsers import JSONParser, MultiPartParser
from procurement.core.permissions import IsSupplier
from procurement.core.serializers import StatusSerializer, error_responses, validated
from procurement.pricelists import services
from procurement.pricelists.api import serializers as s
from procurement.pricelists.export import CONTENT_TYPES, MEDIA_TYPES, export_filename
from procurement.pricelists.models import ExportFormat
from procurement.pricelists.selectors import import_jobs_of
from procurement.pricelists.uploads import SizeLimitUploadHandler

TAGS = ["partner"]
JOB_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[202],
    description="The URL of the job to follow.",
)


def job_created(request, job, url_name: str) -> Response:
    """202 with the job's id, and its URL in Location."""
    location = request.build_absolute_uri(reverse(url_name, kwargs={"job_id": job.pk}))
    return Response(
        {"Status": True, "job": job.pk},
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
    )


JOB_CREATED_EXAMPLE = OpenApiExample(
    "Queued", value={"Status": True, "job": 17}, response_only=True, status_codes=[202]
)
SHOP_STATE = {"id": 1, "name": "Связной", "state": True}
IMPORT_JOB = {
    "id": 17,
    "state": "done",
    "dry_run": False,
    "scheduled": False,
    "source": "https://supplier.example.com/pricelists/shop1.yaml",
    "processed": 15,
    "total": 15,
    "created": 12,
    "updated": 2,
    "withdrawn": 1,
    "changes": [],
    "warnings": [],
    "errors": [],
    "created_at": "2025-03-14T09:26:53.902000+00:00",
    "started_at": "2025-03-14T09:26:54.011000+00:00",
    "finished_at": "2025-03-14T09:26:55.734000+00:00",
}
PREVIEW_JOB = {
    **IMPORT_JOB,
    "id": 18,
    "dry_run": True,
    "source": "uploaded file shop1.xlsx",
    "created": 1,
    "updated": 1,
    "withdrawn": 1,
    "changes": [
        {
            "id": 4216292,
            "name": "Смартфон Apple iPhone XS Max 512GB (золотистый)",
            "change": "updated",
            "price": ["110000.00", "99999.90"],
            "quantity": [14, 3],
        },
        {
            "id": 555,
            "name": "Новинка",
            "change": "created",
            "price": "10.00",
            "quantity": 7,
        },
        {
            "id": 4216313,
            "name": "Смартфон Apple iPhone XR",
            "change": "withdrawn",
            "price": "65000.00",
        },
    ],
}
FAILED_JOB = {
    **IMPORT_JOB,
    "id": 19,
    "state": "failed",
    "source": "uploaded file shop1.xlsx",
    "processed": 0,
    "created": 0,
    "updated": 0,
    "withdrawn": 0,
    "errors": [
        {
            "section": "goods",
            "index": 12,
            "id": 4216292,
            "field": "price",
            "error": "Must not be negative.",
            "row": 14,
            "cell": "F14",
            "message": "goods[12] (id 4216292), cell F14: price: Must not be negative.",
        }
    ],
}
IMPORT_JOB_SUMMARY = {
    key: value for key, value in IMPORT_JOB.items() if key not in ("changes", "warnings", "errors")
}
EXPORT_JOB = {
    "id": 5,
    "format": "yaml",
    "state": "done",
    "errors": [],
    "created_at": "2025-03-14T09:30:00.120000+00:00",
    "started_at": "2025-03-14T09:30:00.342000+00:00",
    "finished_at": "2025-03-14T09:30:01.015000+00:00",
    "download": "https://procurement.example.com/api/v1/partner/exports/5/download",
}


class IsSupplierOrStaff(IsSupplier):
    def has_permission(self, request, view) -> bool:
        staff = bool(request.user and request.user.is_authenticated and request.user.is_staff)
        return staff or super().has_permission(request, view)


class FormatIsNotARenderer(DefaultContentNegotiation):
    """`?format=` names the price list's file format here, not a DRF renderer; and the
    Accept header is about the file, which no renderer writes: the view checks it against
    the file's media type (`file_content_type`). Whatever else the view answers (an error, a
    job) is JSON even when Accept asks for the file's type only (`text/csv`), as the schema
    documents it, rather than a 406 in its place."""

    # The one setting DRF's negotiation reads (its stub expects the whole settings object).
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            renderer = next(iter(renderers))  # JSON, the first of the settings' renderers
            return renderer, renderer.media_type


# A quality value as RFC 9110 writes it (section 12.4.2): 0 to 1, three decimals at most.
_QUALITY = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")


def admits(accept: str, media_type: str) -> bool:
    """Whether an Accept header admits `media_type` (RFC 9110, section 12.5.1): the most
    specific range that matches it (`text/csv`, then `text/*`, then `*/*`) decides, by its
    quality (`q=0`: not acceptable). An empty header admits anything. Other parameters are
    not compared: the file has one charset, and a client naming another still reads it.
    Django's `HttpRequest.accepts` drops a `q=0` range instead, so `text/csv;q=0, */*` would
    admit the type the client refused."""
    if not accept.strip():
        return True
    kind = media_type.lower()
    ranges = {"*/*": 0, "*": 0, kind.split("/")[0] + "/*": 1, kind: 2}
    specificity, quality = -1, 0.0
    for item in accept.split(","):
        name, *parameters = item.split(";")
        rank = ranges.get(name.strip().lower())
        if rank is None or rank < specificity:
            continue
        weight = 1.0  # no q, or one that is not a quality value
        for parameter in parameters:
            key, _equals, value = parameter.partition("=")
            if key.strip().lower() == "q" and _QUALITY.fullmatch(value.strip()):
                weight = float(value)
        # The same range twice: the higher quality counts.
        quality = max(quality, weight) if rank == specificity else weight
        specificity = rank
    return specificity >= 0 and quality > 0


# Any file's bytes: what a client that does not read the format asks for.
BYTES = "application/octet-stream"


def file_content_type(request: Request, fmt: str) -> str:
    """The Content-Type of the file in `fmt` the request's Accept header admits: the
    format's own, else the plain bytes (BYTES); 406 when it admits neither."""
    media_type = MEDIA_TYPES[fmt]
    accept = request.META.get("HTTP_ACCEPT", "")
    if admits(accept, media_type):
        return CONTENT_TYPES[fmt]
    # Named: not a `*/*` beside a range that refused the format's own type.
    if BYTES in accept.lower() and admits(accept, BYTES):
        return BYTES
    raise NotAcceptable(
        _("The file is %(media_type)s, which the Accept header does not admit.")
        % {"media_type": media_type}
    )


class PartnerUpdateView(APIView):
    permission_classes = [IsSupplier]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        request={
            "multipart/form-data": s.ImportFileSerializer,
            "application/json": s.ImportUrlSerializer,
        },
        parameters=[JOB_LOCATION],
        responses={202: s.JobCreatedSerializer, **error_responses(400, 403, 413)},
        operation_id="partner_update",
        summary="Import or preview a price list from an uploaded file or a URL, as a job",
        description="A YAML, JSON, CSV or XLSX price list, as a multipart `file` or as a "
        "JSON `url` (a form or multipart `url` is read too). With `dry_run` nothing is "
        "written: the job says what would change. Follow the job at "
        "`/partner/imports/{id}` (the `Location`); the first price list creates your shop.",
        examples=[
            OpenApiExample(
                "A URL",
                value={"url": "https://supplier.example.com/pricelists/shop1.yaml"},
                request_only=True,
                media_type="application/json",
            ),
            OpenApiExample(
                "A preview of a URL",
                value={
                    "url": "https://supplier.example.com/pricelists/shop1.yaml",
                    "dry_run": True,
                },
                request_only=True,
                media_type="application/json",
            ),
            JOB_CREATED_EXAMPLE,
        ],
    )
    def post(self, request):
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
        data = validated(s.ImportRequestSerializer, request.data)
        upload = data.get("file")
        job = services.import_job_create(
            supplier=request.user,
            url=data.get("url"),
            chunks=upload.chunks() if upload is not None else None,
            filename=upload.name if upload is not None else "",
            dry_run=data["dry_run"],
        )
        return job_created(request, job, "partner-import-detail")


class ImportJobListView(GenericAPIView):
    permission_classes = [IsSupplier]
    serializer_class = s.ImportJobSummarySerializer
    filter_backends = []  # a supplier's own jobs, newest first: nothing to filter

    @extend_schema(
        tags=TAGS,
        responses={200: s.ImportJobSummarySerializer(many=True), **error_responses(400, 403, 404)},
        operation_id="partner_imports_list",
        summary="Your import jobs, newest first: uploads, URLs, scheduled pulls, previews",
        examples=[OpenApiExample("Done", value=IMPORT_JOB_SUMMARY, response_only=True)],
    )
    def get(self, request):
        page = self.paginate_queryset(import_jobs_of(supplier=request.user))
        return self.get_paginated_response(s.ImportJobSummarySerializer(page, many=True).data)


class ImportJobView(APIView):
    permission_classes = [IsSupplierOrStaff]

    @extend_schema(
        tags=TAGS,
        responses={200: s.ImportJobSerializer, **error_responses(403, 404)},
        operation_id="partner_import_get",
        summary="State, progress and outcome of an import job (its supplier or staff)",
        examples=[
            OpenApiExample("Done", value=IMPORT_JOB, response_only=True),
            OpenApiExample("A preview", value=PREVIEW_JOB, response_only=True),
            OpenApiExample("Refused", value=FAILED_JOB, response_only=True),
        ],
    )
    def get(self, request, job_id: int):
        job = services.import_job_get(user=request.user, job_id=job_id)
        return Response(s.ImportJobSerializer(job).data)


SOURCE = {
    "url": "https://supplier.example.com/pricelists/shop1.xlsx",
    "every": "daily",
    "last_pulled_at": "2025-03-14T06:00:02.114000+00:00",
}


class PartnerSourceView(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        tags=TAGS,
        responses={200: s.SourceSerializer, **error_responses(403, 404)},
        operation_id="partner_source_get",
        summary="Your price list pulled on a schedule (404: none)",
        examples=[OpenApiExample("Daily", value=SOURCE, response_only=True)],
    )
    def get(self, request):
        return Response(s.SourceSerializer(services.source_get(supplier=request.user)).data)

    @extend_schema(
        tags=TAGS,
        request=s.SourceInputSerializer,
        responses={200: s.SourceResultSerializer, **error_responses(400, 403)},
        operation_id="partner_source_set",
        summary="Pull your price list from a URL every hour or day",
        description="Off until set. Each pull is an import job in `GET partner/imports`; it "
        "asks the server with ETag / If-Modified-Since, and a list that did not change is "
        "not imported again. The URL follows the rules of an import's URL.",
        examples=[
            OpenApiExample(
                "Daily",
                value={"url": SOURCE["url"], "every": "daily"},
                request_only=True,
            ),
            OpenApiExample(
                "Set",
                value={"Status": True, **SOURCE, "last_pulled_at": None},
                response_only=True,
            ),
        ],
    )
    def put(self, request):
        data = validated(s.SourceInputSerializer, request.data)
        source = services.source_set(supplier=request.user, url=data["url"], every=data["every"])
        return Response({"Status": True, **s.SourceSerializer(source).data})

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: StatusSerializer, **error_responses(403, 404)},
        operation_id="partner_source_delete",
        summary="Stop pulling your price list",
        examples=[OpenApiExample("Stopped", value={"Status": True}, response_only=True)],
    )
    def delete(self, request):
        services.source_delete(supplier=request.user)
        return Response({"Status": True})


class PartnerStateView(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        tags=TAGS,
        responses={200: s.ShopStateSerializer, **error_responses(403)},
        operation_id="partner_state_get",
        summary="Your shop and whether it accepts orders",
        description="Before your first price list, `id` and `name` are null and `state` is "
        "the one the shop will start with.",
        examples=[OpenApiExample("Open", value=SHOP_STATE, response_only=True)],
    )
    def get(self, request):
        return Response(s.ShopStateSerializer(supplier_shop(supplier=request.user)).data)

    @extend_schema(
        tags=TAGS,
        request=s.ShopStateInputSerializer,
        responses={200: s.ShopStateResultSerializer, **error_responses(400, 403, 404)},
        operation_id="partner_state_set",
        summary="Open or close your shop to orders, or rename it",
        description="`state` also before your first price list: the shop it creates starts "
        "so. `name` renames the shop (404 before the first price list): a price list's "
        "`shop` names a new shop only, never an existing one.",
        examples=[
            OpenApiExample("Close", value={"state": "off"}, request_only=True),
            OpenApiExample("Rename", value={"name": "Связной"}, request_only=True),
            OpenApiExample(
                "Closed",
                value={"Status": True, **SHOP_STATE, "state": False},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        data = validated(s.ShopStateInputSerializer, request.data)
        shop = services.shop_state_set(
            supplier=request.user, accepts_orders=data.get("state"), name=data.get("name")
        )
        return Response({"Status": True, **s.ShopStateSerializer(shop).data})


PRICE_LIST = {
    "shop": "Связной",
    "categories": [{"id": 224, "name": "Смартфоны"}],
    "goods": [
        {
            "id": 4216292,
            "category": 224,
            "model": "apple/iphone/xs-max",
            "name": "Смартфон Apple iPhone XS Max 512GB (золотистый)",
            "price": 110000,
            "price_rrc": 116990,
            "quantity": 14,
            "parameters": {"Диагональ (дюйм)": 6.5, "Цвет": "золотистый"},
        }
    ],
}
PRICE_LIST_CSV = (
    "id,category,category_name,model,name,price,price_rrc,quantity,param:Диагональ (дюйм),"
    "param:Цвет\r\n"
    "4216292,224,Смартфоны,apple/iphone/xs-max,Смартфон Apple iPhone XS Max 512GB "
    "(золотистый),110000.00,116990.00,14,6.5,золотистый\r\n"
)


def price_list_file(schema_type, media_type: str, value, description: str = ""):
    example = OpenApiExample("A price list", value=value, media_type=media_type)
    return OpenApiResponse(schema_type, description=description, examples=[example])


# A price list in each export format, under the media type its answer has; YAML and JSON
# hold the import document. The plain bytes come first: client generators that read one
# media type per answer (openapi-python-client takes the first it knows) then give the
# file's bytes, which is right for every format, where its text would break an XLSX file.
PRICE_LIST_FILES = {
    (200, BYTES): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="The price list: XLSX, CSV, YAML or JSON as asked, sent as its format's "
        "media type, or as application/octet-stream when the Accept header admits only that. "
        "XLSX (one sheet) and CSV have one row per good: id, category, category_name, model, "
        "name, price, price_rrc, quantity, then one `param:<name>` column per parameter.",
    ),
    (200, MEDIA_TYPES[ExportFormat.CSV]): price_list_file(
        OpenApiTypes.STR, MEDIA_TYPES[ExportFormat.CSV], PRICE_LIST_CSV
    ),
    (200, MEDIA_TYPES[ExportFormat.XLSX]): OpenApiResponse(OpenApiTypes.BINARY),
    **{
        (200, MEDIA_TYPES[fmt]): price_list_file(OpenApiTypes.OBJECT, MEDIA_TYPES[fmt], PRICE_LIST)
        for fmt in (ExportFormat.YAML, ExportFormat.JSON)
    },
}
# How a file's answer follows the Accept header, for the operations' descriptions.
ACCEPT_DESCRIPTION = (
    "The file is sent as its format's media type (the 200 answer lists them). An `Accept` "
    "header must admit it (the type itself, its `type/*` or `*/*`; q-values count; no header "
    "admits any) or application/octet-stream, which gets the same bytes as that type, or the "
    "answer is a 406. Errors are JSON whatever `Accept` asks."
)


class PartnerExportView(APIView):
    permission_classes = [IsSupplier]
    content_negotiation_class = FormatIsNotARenderer

    @extend_schema(
        tags=TAGS,
        parameters=[s.ExportFormatQuerySerializer],
        responses={**PRICE_LIST_FILES, **error_responses(400, 403, 404, 406)},
        operation_id="partner_export_file",
        summary="Download your current price list (withdrawn offers left out)",
        description="Every format (`yaml`, `json`, `csv`, `xlsx`) is an import format: the "
        "file re-imports to the same catalog, also after editing it in a spreadsheet. "
        + ACCEPT_DESCRIPTION,
    )
    def get(self, request):
        fmt = validated(s.ExportFormatQuerySerializer, request.query_params)["format"]
        shop, chunks = services.export_stream(supplier=request.user, fmt=fmt)
        # After the 404, as for a job's file (nothing read yet).
        response = StreamingHttpResponse(chunks, content_type=file_content_type(request, fmt))
        response["Content-Disposition"] = f'attachment; filename="{export_filename(shop, fmt)}"'
        return response

    @extend_schema(
        tags=TAGS,
        request=s.ExportRequestSerializer,
        parameters=[JOB_LOCATION],
        responses={202: s.JobCreatedSerializer, **error_responses(400, 403, 404)},
        operation_id="partner_export_start",
        summary="Export your price list as a background job",
        examples=[
            OpenApiExample("YAML", value={"format": "yaml"}, request_only=True),
            JOB_CREATED_EXAMPLE,
        ],
        description="Follow the job at `/partner/exports/{id}`; when done it links the file.",
    )
    def post(self, request):
        data = validated(s.ExportRequestSerializer, request.data)
        job = services.export_job_create(supplier=request.user, fmt=data["format"])
        return job_created(request, job, "partner-export-detail")


class ExportJobView(APIView):
    permission_classes = [IsSupplier]

    @extend_schema(
        tags=TAGS,
        responses={200: s.ExportJobSerializer, **error_responses(403, 404)},
        operation_id="partner_export_get",
        summary="State of an export job, with the download URL when done",
        examples=[OpenApiExample("Done", value=EXPORT_JOB, response_only=True)],
    )
    def get(self, request, job_id: int):
        job = services.export_job_get(user=request.user, job_id=job_id)
        return Response(s.ExportJobSerializer(job, context={"request": request}).data)


class ExportJobDownloadView(APIView):
    permission_classes = [IsSupplier]
    content_negotiation_class = FormatIsNotARenderer

    @extend_schema(
        tags=TAGS,
        responses={**PRICE_LIST_FILES, **error_responses(403, 404, 406, 409)},
        operation_id="partner_export_download",
        summary="The file of a finished export job",
        description="The file in the job's format. " + ACCEPT_DESCRIPTION,
    )
    def get(self, request, job_id: int):
        job, content = services.export_job_file(user=request.user, job_id=job_id)
        content_type = file_content_type(request, job.format)
        response = HttpResponse(content, content_type=content_type)
        filename = f"pricelist-export-{job.pk}.{job.format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
