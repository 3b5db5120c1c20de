from django.utils import translation
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.accounts import selectors, services
from procurement.accounts.api import serializers as s
from procurement.accounts.api.examples import CONTACT, DETAILS
from procurement.core.serializers import (
    ITEMS_QUERY_PARAMETER,
    CreatedIdSerializer,
    DeletedCountSerializer,
    StatusSerializer,
    body_or_query,
    error_responses,
    validated,
)
from procurement.core.throttling import AuthRateThrottle

OK = {"Status": True}
OK_EXAMPLE = OpenApiExample("Done", value=OK, response_only=True)
UPDATE_DESCRIPTION = (
    "A password change revokes every API token of the user, the one of this request "
    "included; the answer carries the new one as `Token`."
)
UPDATE_EXAMPLES = [
    OpenApiExample(
        "A new position",
        value={"position": "Старший закупщик"},
        request_only=True,
    ),
    OpenApiExample(
        "Changed",
        value={"Status": True, **DETAILS, "position": "Старший закупщик"},
        response_only=True,
    ),
]
CONTACT_UPDATE_EXAMPLES = [
    OpenApiExample("A new phone", value={"id": 3, "phone": "+79167654321"}, request_only=True),
    OpenApiExample(
        "Changed",
        value={"Status": True, **CONTACT, "phone": "+79167654321"},
        response_only=True,
    ),
]


class AuthThrottledView(APIView):
    """Anonymous account endpoints, limited per client at AUTH_THROTTLE_RATE."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]


class RegisterView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.RegisterInputSerializer,
        responses={201: StatusSerializer, **error_responses(400)},
        operation_id="user_register",
        summary="Register a buyer or a supplier; a confirmation token is emailed",
        examples=[
            OpenApiExample(
                "A buyer",
                value={
                    "first_name": "Анна",
                    "last_name": "Смирнова",
                    "email": "anna.smirnova@example.com",
                    "password": "Vesna-2024-sad",
                    "company": "ООО «Ромашка»",
                    "position": "Закупщик",
                    "type": "buyer",
                },
                request_only=True,
            ),
            OpenApiExample("Registered", value=OK, response_only=True, status_codes=[201]),
        ],
        description="The answer is the same whether or not the address already has an "
        "account; an existing account's owner is emailed that someone tried to register.",
    )
    def post(self, request):
        data = validated(s.RegisterInputSerializer, request.data)
        services.user_register(
            email=data["email"],
            password=data["password"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            company=data["company"],
            position=data["position"],
            user_type=data["type"],
            language=translation.get_language() or "",
        )
        return Response(OK, status=status.HTTP_201_CREATED)


class ConfirmEmailView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.ConfirmEmailInputSerializer,
        responses={200: StatusSerializer, **error_responses(400)},
        operation_id="user_register_confirm",
        summary="Activate an account with the emailed token",
        examples=[
            OpenApiExample(
                "The emailed token",
                value={
                    "email": "anna.smirnova@example.com",
                    "token": "kV3x9QzL0bTq7mW2pR5sYc8dFh1jNu4a",
                },
                request_only=True,
            ),
            OK_EXAMPLE,
        ],
        description="The account gets the data of the registration this token was issued for.",
    )
    def post(self, request):
        services.user_confirm_email(**validated(s.ConfirmEmailInputSerializer, request.data))
        return Response(OK)


class LoginView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.LoginInputSerializer,
        responses={200: s.LoginResultSerializer, **error_responses(400, 401)},
        operation_id="user_login",
        summary="Get a new API token (one per login)",
        description="Send the token as `Authorization: Token <key>`. Wrong credentials and "
        "an unconfirmed account are 401.",
        examples=[
            OpenApiExample(
                "Email and password",
                value={"email": "anna.smirnova@example.com", "password": "Vesna-2024-sad"},
                request_only=True,
            ),
            OpenApiExample(
                "Logged in",
                value={"Status": True, "Token": "3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        data = validated(s.LoginInputSerializer, request.data)
        key = services.user_login(**data, request=request)
        return Response({"Status": True, "Token": key})


class LogoutView(APIView):
    @extend_schema(
        tags=["accounts"],
        request=None,
        responses={200: StatusSerializer},
        operation_id="user_logout",
        summary="Revoke the API token of this request (other logins keep theirs)",
        examples=[OK_EXAMPLE],
    )
    def post(self, request):
        services.user_logout(token=request.auth)
        return Response(OK)


class PasswordResetView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.PasswordResetInputSerializer,
        responses={200: StatusSerializer, **error_responses(400)},
        operation_id="user_password_reset",
        summary="Email a password reset token (the answer is the same for unknown emails)",
        examples=[
            OpenApiExample(
                "An address",
                value={"email": "anna.smirnova@example.com"},
                request_only=True,
            ),
            OK_EXAMPLE,
        ],
    )
    def post(self, request):
        services.password_reset_request(**validated(s.PasswordResetInputSerializer, request.data))
        return Response(OK)


class PasswordResetConfirmView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.PasswordResetConfirmInputSerializer,
        responses={200: StatusSerializer, **error_responses(400)},
        operation_id="user_password_reset_confirm",
        summary="Set a new password with the emailed token",
        description="Every API token of the account stops working; log in again.",
        examples=[
            OpenApiExample(
                "The emailed token and a new password",
                value={"token": "Zt8wQ2mX5cV9bN1kL4hJ7gF0dS3aP6oI", "password": "Osen-2025-list"},
                request_only=True,
            ),
            OK_EXAMPLE,
        ],
    )
    def post(self, request):
        services.password_reset_confirm(
            **validated(s.PasswordResetConfirmInputSerializer, request.data)
        )
        return Response(OK)


class UserDetailsView(APIView):
    def _details(self, user) -> dict:
        return s.UserDetailsSerializer(selectors.user_details(user=user)).data

    @extend_schema(
        tags=["accounts"],
        responses={200: s.UserDetailsSerializer},
        operation_id="user_details",
        summary="Your profile and delivery contacts",
        examples=[OpenApiExample("A buyer", value=DETAILS, response_only=True)],
    )
    def get(self, request):
        return Response(self._details(request.user))

    @extend_schema(
        tags=["accounts"],
        request=s.UserUpdateInputSerializer,
        responses={200: s.UserUpdateResultSerializer, **error_responses(400)},
        operation_id="user_details_update",
        summary="Change the profile or the password",
        description=UPDATE_DESCRIPTION,
        examples=UPDATE_EXAMPLES,
    )
    def post(self, request):
        change = services.user_update(
            user=request.user, **validated(s.UserUpdateInputSerializer, request.data)
        )
        answer = {"Status": True, **self._details(change.user)}
        if change.api_token is not None:
            answer["Token"] = change.api_token
        return Response(answer)

    @extend_schema(
        tags=["accounts"],
        request=s.UserUpdateInputSerializer,
        responses={200: s.UserUpdateResultSerializer, **error_responses(400)},
        operation_id="user_details_patch",
        summary="Change the profile or the password (as POST)",
        description=UPDATE_DESCRIPTION,
        examples=UPDATE_EXAMPLES,
    )
    def patch(self, request):
        return self.post(request)


class ContactView(GenericAPIView):
    serializer_class = s.ContactSerializer
    filter_backends = []  # the list is the user's own, read by a selector

    @extend_schema(
        tags=["accounts"],
        responses={200: s.ContactSerializer(many=True), **error_responses(400, 404)},
        operation_id="user_contact_list",
        summary="Your delivery contacts",
        examples=[OpenApiExample("One contact", value=CONTACT, response_only=True)],
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.contact_list(user=request.user))
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactSerializer,
        responses={201: CreatedIdSerializer, **error_responses(400)},
        operation_id="user_contact_create",
        summary="Add a delivery contact (at most 5)",
        examples=[
            OpenApiExample(
                "An address",
                value={key: value for key, value in CONTACT.items() if key != "id"},
                request_only=True,
            ),
            OpenApiExample(
                "Created", value={"Status": True, "id": 3}, response_only=True, status_codes=[201]
            ),
        ],
    )
    def post(self, request):
        contact = services.contact_create(
            user=request.user, **validated(s.ContactSerializer, request.data)
        )
        return Response({"Status": True, "id": contact.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactUpdateInputSerializer,
        responses={200: s.ContactResultSerializer, **error_responses(400, 404)},
        operation_id="user_contact_update",
        summary="Change one of your contacts",
        examples=CONTACT_UPDATE_EXAMPLES,
    )
    def put(self, request):
        data = dict(validated(s.ContactUpdateInputSerializer, request.data))
        contact = services.contact_update(user=request.user, contact_id=data.pop("id"), **data)
        return Response({"Status": True, **s.ContactSerializer(contact).data})

    @extend_schema(
        tags=["accounts"],
        request=s.ContactUpdateInputSerializer,
        responses={200: s.ContactResultSerializer, **error_responses(400, 404)},
        operation_id="user_contact_patch",
        summary="Change one of your contacts (as PUT)",
        examples=CONTACT_UPDATE_EXAMPLES,
    )
    def patch(self, request):
        return self.put(request)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactDeleteInputSerializer,
        parameters=[ITEMS_QUERY_PARAMETER],
        responses={200: DeletedCountSerializer, **error_responses(400)},
        operation_id="user_contact_delete",
        summary="Delete your contacts by id",
        description="Ids of other users' contacts are ignored.",
        examples=[
            OpenApiExample("Two contacts", value={"items": [3, 4]}, request_only=True),
            OpenApiExample("Deleted", value={"Status": True, "Deleted": 2}, response_only=True),
        ],
    )
    def delete(self, request):
        ids = validated(s.ContactDeleteInputSerializer, body_or_query(request))["items"]
        deleted = services.contacts_delete(user=request.user, contact_ids=ids)
        return Response({"Status": True, "Deleted": deleted})
