"""Errors raised by services; the exception handler maps each code to its HTTP status."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"


HTTP_STATUS = {
    ErrorCode.INVALID: 400,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNAVAILABLE: 503,
}

# A 503 tells the client when to try again: a database restart or failover takes seconds.
RETRY_AFTER_SECONDS = 5

# The messages of each field at fault, `{"password": ["...", "..."]}`; a field holding a list
# of entries names each by its key, `{"items": {"12": ["..."]}}`.
FieldErrors = dict[str, Any]


class ApplicationError(Exception):
    """A business rule refused the request.

    `message` is one sentence for people, always a string: given, or else the first message
    of `field_errors`. `field_errors` name the fields at fault (the API answers them instead
    of `message`); `extra` is for programs (answered beside them).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str | None = None,
        *,
        field_errors: FieldErrors | None = None,
        extra: dict[str, Any] | None = None,
    ):
        if message is None:
            message = _first_message(field_errors or {})
        if not isinstance(message, str):
            raise TypeError("an ApplicationError's message is a string; fields go in field_errors")
        super().__init__(message)
        self.code = code
        self.message = message
        self.field_errors = field_errors or {}
        self.extra = extra or {}

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.code]


def _first_message(field_errors: FieldErrors) -> str:
    for messages in field_errors.values():
        if isinstance(messages, dict):
            return _first_message(messages)
        if messages:
            return str(messages[0])
    raise TypeError("an ApplicationError needs a message or field errors")
