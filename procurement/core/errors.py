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


class ApplicationError(Exception):
    """A business rule refused the request; `message` is for people, `extra` for programs."""

    def __init__(self, code: ErrorCode, message: Any, extra: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.code]
