"""Why a price list cannot be imported: the message for people, and the problems an import
job keeps and shows its supplier.

Each problem is structured for programs (`section`, `index`, `id`, `field`; `line` in a YAML
file, `row` in a CSV file, `row` and `cell` in a spreadsheet) and carries `message`, one line
for people naming where it is, in the language of the moment it was made:
`goods[12] (id 4216292), cell F14: price: Must not be negative.`
"""

from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from procurement.core.errors import ApplicationError, ErrorCode

# One problem: its `error` (or `warning`) for people and where it is, when known.
Problem = dict[str, Any]


@dataclass
class Locations:
    """Where the items of a parsed price list are in its file, to name them in problems.

    `items[section][index]` is the item's line (YAML) or row (CSV, XLSX); `columns[section,
    field]` the spreadsheet column letter of a field, when the file is a spreadsheet.
    """

    unit: Literal["line", "row"] = "line"
    items: dict[str, list[int]] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def locate(self, problem: Problem) -> Problem:
        """`problem` with its line, row or cell added when they are known."""
        section, index = problem.get("section"), problem.get("index")
        lines = self.items.get(section) if isinstance(section, str) else None
        if lines is None or not isinstance(index, int) or not 0 <= index < len(lines):
            return problem
        located = {**problem, self.unit: lines[index]}
        column = self.columns.get((section, problem.get("field") or ""))  # type: ignore[arg-type]
        if column is not None:
            located["cell"] = f"{column}{lines[index]}"
        return located


def describe(problem: Problem) -> str:
    """The problem as one line for people, naming where it is."""
    text = str(problem.get("error", problem.get("warning", "")))
    places = []
    if "cell" in problem:
        places.append(_("cell %(cell)s") % {"cell": problem["cell"]})
    elif "row" in problem:
        places.append(_("row %(row)d") % {"row": problem["row"]})
    elif "line" in problem:
        places.append(_("line %(line)d") % {"line": problem["line"]})
    where = ""
    if problem.get("section"):
        where = f"{problem['section']}[{problem.get('index')}]"
        if problem.get("id") is not None:
            where += f" (id {problem['id']})"
    where = ", ".join(part for part in (where, *places) if part)
    field_name = problem.get("field")
    if field_name:
        text = f"{field_name}: {text}"
    return f"{where}: {text}" if where else text


def stated(text: str, *, kind: Literal["error", "warning"] = "error") -> Problem:
    """A problem that is its text alone, e.g. a job that failed as a whole: with its
    `message` too, as every problem a job shows has one."""
    return {kind: text, "message": text}


def readable(problems: list[Problem], locations: Locations | None = None) -> list[Problem]:
    """`problems` located in their file and each with its `message` line."""
    located = [locations.locate(problem) if locations else problem for problem in problems]
    return [{**problem, "message": describe(problem)} for problem in located]


class ImportFailed(ApplicationError):
    """A price list that cannot be imported; `problems` lists each thing wrong with it (by
    default the message alone)."""

    def __init__(self, message: str, *, problems: list[Problem] | None = None):
        super().__init__(ErrorCode.INVALID, message)
        self.problems: list[Problem] = problems if problems is not None else [{"error": message}]


class SheetRefused(ImportFailed):
    """A spreadsheet that cannot be read as a price list."""


def problems_of(error: ApplicationError) -> list[Problem]:
    """What a job keeps of an error that stopped it: an import's problems, or the message;
    each with its readable `message` line."""
    problems = error.problems if isinstance(error, ImportFailed) else [{"error": error.message}]
    return [
        problem if "message" in problem else {**problem, "message": describe(problem)}
        for problem in problems
    ]
