"""How the OpenAPI schema describes every operation, so that generated clients work as made.

drf-spectacular's AutoSchema with the rules of this API:

- Request bodies are documented as JSON only. The views still parse form and multipart
  bodies (existing clients send them), but a body listed under three media types makes
  client generators emit code that does not import or that sends JSON labelled as a
  form. An operation that takes several shapes names each media type itself
  (`partner/update`: a multipart file, or a JSON url).
- A DELETE documents its body (drf-spectacular drops it), not required: its ids may come in
  the query string instead.
- Anonymous operations say `security: []`, the others `security: [{tokenAuth: []}]`.
- The answers every operation can give because of how its view is set up are added here,
  so no view has to remember them: 400, 413 and 415 for a body, 401 wherever a token is
  read (a bad token is refused on public reads too), 429 where requests are throttled, and
  503 everywhere (every operation reads the database), as shared response components.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from procurement.core.errors import RETRY_AFTER_SECONDS
from procurement.core.serializers import ERROR_DESCRIPTIONS, ErrorSerializer

JSON = "application/json"
MAX_SAFE_INTEGER = 2**53 - 1  # the largest integer a JavaScript client holds exactly
SECURITY_SCHEME = "tokenAuth"  # drf-spectacular's name for DRF's token header

# Answers shared by many operations, documented once under components/responses.
SHARED_RESPONSES = {
    429: (
        "Throttled",
        "Too many requests from this client; try again after `Retry-After` seconds.",
    ),
    503: (
        "ServiceUnavailable",
        "The database is away (a restart, a failover) or busy; try again after `Retry-After` "
        f"seconds ({RETRY_AFTER_SECONDS}).",
    ),
}


class ApiSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            # Always written, `[]` included: an absent list would leave generators to guess.
            operation["security"] = self.get_auth()
        return operation

    def get_auth(self) -> list[dict]:
        super().get_auth()  # registers the token scheme among the components
        if any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            return []
        return [{SECURITY_SCHEME: []}]

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # An id field allows up to 2**63 - 1; Swagger UI would fill a body it makes up with a
        # number JavaScript cannot even hold (9223372036854776000), which no server accepts.
        if (
            schema.get("type") == "integer"
            and schema.get("maximum", 0) > MAX_SAFE_INTEGER
            and "example" not in schema
        ):
            schema["example"] = max(schema.get("minimum", 1), 1)
        return schema

    def map_parsers(self) -> list[str]:
        return [media_type for media_type in super().map_parsers() if media_type == JSON]

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            body = super()._get_request_body(direction)
        else:
            # drf-spectacular documents a body for POST, PUT and PATCH only.
            self.method = "POST"
            try:
                body = super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
            if body is not None:
                body["required"] = False  # the ids may come in the query string instead
        if body is not None and len(body["content"]) > 1:
            # A body in several shapes (one per media type) is marked optional, which is
            # what openapi-python-client can generate working code for: for a required one
            # it emits a module that does not import. Sending none is a 400 all the same.
            body["required"] = False
        return body

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        implied = []
        if self._get_request_body() is not None:
            implied += [400, 413, 415]
        if self.view.get_authenticators():
            implied.append(401)
        for code in implied:
            if str(code) not in responses:
                responses[str(code)] = self._error_response(code)
        if self.view.get_throttles():
            responses["429"] = self._shared_response(429)
        responses["503"] = self._shared_response(503)
        return dict(sorted(responses.items()))

    def _error_response(self, code: int) -> dict:
        response = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        return self._get_response_for_code(response, str(code))

    def _shared_response(self, code: int) -> dict:
        name, description = SHARED_RESPONSES[code]
        error = self._error_response(code)
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.RESPONSE,
            object=name,
            schema={
                "description": description,
                "headers": {
                    "Retry-After": {
                        "description": "Seconds to wait before trying again.",
                        "schema": {"type": "integer", "minimum": 1, "example": 5},
                    }
                },
                "content": error["content"],
            },
        )
        self.registry.register_on_missing(component)
        return component.ref
