from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.accounts import selectors, services
from procurement.accounts.api import serializers as s
from procurement.core.serializers import (
    CreatedIdSerializer,
    DeletedCountSerializer,
    StatusSerializer,
    error_responses,
    validated,
)
from procurement.core.throttling import AuthRateThrottle

OK = {"Status": True}
UPDATE_DESCRIPTION = (
    "A password change revokes every API token of the user, the one of this request "
    "included; the answer carries the new one as `Token`."
)


class AuthThrottledView(APIView):
    """Anonymous account endpoints, limited per client at AUTH_THROTTLE_RATE."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]


class RegisterView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.RegisterInputSerializer,
        responses={201: StatusSerializer, **error_responses(400, 415, 429)},
        summary="Register a buyer or a supplier; a confirmation token is emailed",
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
        responses={200: StatusSerializer, **error_responses(400, 415, 429)},
        summary="Activate an account with the emailed token",
        description="The account gets the data of the registration this token was issued for.",
    )
    def post(self, request):
        services.user_confirm_email(**validated(s.ConfirmEmailInputSerializer, request.data))
        return Response(OK)


class LoginView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.LoginInputSerializer,
        responses={200: s.LoginResultSerializer, **error_responses(400, 401, 415, 429)},
        summary="Get a new API token (one per login)",
    )
    def post(self, request):
        data = validated(s.LoginInputSerializer, request.data)
        key = services.user_login(**data, request=request)
        return Response({"Status": True, "Token": key})


class LogoutView(APIView):
    @extend_schema(
        tags=["accounts"],
        request=None,
        responses={200: StatusSerializer, **error_responses(401)},
        summary="Revoke the API token of this request (other logins keep theirs)",
    )
    def post(self, request):
        services.user_logout(token=request.auth)
        return Response(OK)


class PasswordResetView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.PasswordResetInputSerializer,
        responses={200: StatusSerializer, **error_responses(400, 415, 429)},
        summary="Email a password reset token (the answer is the same for unknown emails)",
    )
    def post(self, request):
        services.password_reset_request(**validated(s.PasswordResetInputSerializer, request.data))
        return Response(OK)


class PasswordResetConfirmView(AuthThrottledView):
    @extend_schema(
        tags=["accounts"],
        request=s.PasswordResetConfirmInputSerializer,
        responses={200: StatusSerializer, **error_responses(400, 415, 429)},
        summary="Set a new password with the emailed token",
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
        tags=["accounts"], responses={200: s.UserDetailsSerializer, **error_responses(401)}
    )
    def get(self, request):
        return Response(self._details(request.user))

    @extend_schema(
        tags=["accounts"],
        request=s.UserUpdateInputSerializer,
        responses={200: s.UserUpdateResultSerializer, **error_responses(400, 401, 415)},
        summary="Change the profile or the password",
        description=UPDATE_DESCRIPTION,
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
        responses={200: s.UserUpdateResultSerializer, **error_responses(400, 401, 415)},
        summary="Change the profile or the password",
        description=UPDATE_DESCRIPTION,
    )
    def patch(self, request):
        return self.post(request)


class ContactView(GenericAPIView):
    serializer_class = s.ContactSerializer
    filter_backends = []  # the list is the user's own, read by a selector

    @extend_schema(
        tags=["accounts"],
        responses={200: s.ContactSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.contact_list(user=request.user))
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactSerializer,
        responses={201: CreatedIdSerializer, **error_responses(400, 401, 415)},
        summary="Add a delivery contact (at most 5)",
    )
    def post(self, request):
        contact = services.contact_create(
            user=request.user, **validated(s.ContactSerializer, request.data)
        )
        return Response({"Status": True, "id": contact.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactUpdateInputSerializer,
        responses={200: s.ContactResultSerializer, **error_responses(400, 401, 404, 415)},
        summary="Change one of your contacts",
    )
    def put(self, request):
        data = dict(validated(s.ContactUpdateInputSerializer, request.data))
        contact = services.contact_update(user=request.user, contact_id=data.pop("id"), **data)
        return Response({"Status": True, **s.ContactSerializer(contact).data})

    @extend_schema(
        tags=["accounts"],
        request=s.ContactUpdateInputSerializer,
        responses={200: s.ContactResultSerializer, **error_responses(400, 401, 404, 415)},
        summary="Change one of your contacts",
    )
    def patch(self, request):
        return self.put(request)

    @extend_schema(
        tags=["accounts"],
        request=s.ContactDeleteInputSerializer,
        responses={200: DeletedCountSerializer, **error_responses(400, 401, 415)},
        summary="Delete your contacts by id",
    )
    def delete(self, request):
        ids = validated(s.ContactDeleteInputSerializer, request.data)["items"]
        deleted = services.contacts_delete(user=request.user, contact_ids=ids)
        return Response({"Status": True, "Deleted": deleted})
