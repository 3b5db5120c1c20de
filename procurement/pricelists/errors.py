"""Why a price list cannot be imported: the message for people, and the problems an import
job keeps and shows its supplier."""

from typing import Any

from procurement.core.errors import ApplicationError, ErrorCode

# One problem: its `error` for people and where it is, when known (`line` in the file, or
# `section`, `index`, `id` and `field` of a checked item).
Problem = dict[str, Any]


class ImportFailed(ApplicationError):
    """A price list that cannot be imported; `problems` lists each thing wrong with it (by
    default the message alone)."""

    def __init__(self, message: str, *, problems: list[Problem] | None = None):
        super().__init__(ErrorCode.INVALID, message)
        self.problems: list[Problem] = problems if problems is not None else [{"error": message}]


def problems_of(error: ApplicationError) -> list[Problem]:
    """What a job keeps of an error that stopped it: an import's problems, or the message."""
    if isinstance(error, ImportFailed):
        return error.problems
    return [{"error": error.message}]
