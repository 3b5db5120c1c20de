"""How the tests themselves are written: helpers have one home (tests/support, and harness/
for what the benchmarks share), waiting is done by `wait_until`, and no assertion holds
whatever the code does."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_SOURCES = sorted((ROOT / "tests").rglob("*.py"))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def imported_modules(tree: ast.Module) -> list[tuple[ast.AST, str]]:
    found: list[tuple[ast.AST, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node, node.module))
    return found


def test_tests_take_shared_helpers_from_tests_support_only():
    """Not from a conftest (pytest's file of fixtures) nor from another test module."""
    elsewhere = [
        f"{where(path, node)} imports {module}"
        for path in TEST_SOURCES
        for node, module in imported_modules(parsed(path))
        if module.split(".")[0] == "tests" and not module.startswith("tests.support.")
    ]
    assert elsewhere == []


@pytest.mark.parametrize("folder", ["tests", "harness", "bench"])
def test_waiting_for_a_condition_goes_through_wait_until(folder):
    """A loop that sleeps until something holds is `harness.waiting.wait_until`'s job."""
    polling = [
        where(path, node)
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "harness" / "waiting.py"
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.While)
        and any(
            isinstance(call, ast.Call) and ast.unparse(call.func) in {"time.sleep", "sleep"}
            for call in ast.walk(node)
        )
    ]
    assert polling == []


def always_true(test: ast.expr) -> str | None:
    """Why the asserted expression holds whatever the code does, if it visibly does."""
    if isinstance(test, ast.Constant):
        return "a constant"
    if isinstance(test, ast.Compare) and len(test.comparators) == 1:
        same = ast.dump(test.left) == ast.dump(test.comparators[0])
        if same and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE):
            return "a value compared with itself"
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        # `"refused" in error or error`: the check passes for any non-empty value.
        for index, operand in enumerate(test.values):
            others = [ast.dump(node) for other in test.values[:index] for node in ast.walk(other)]
            if not isinstance(operand, ast.Compare | ast.Call) and ast.dump(operand) in others:
                return f"`or {ast.unparse(operand)}`: true for any value it checks"
    return None


def test_no_assertion_holds_whatever_the_code_does():
    vacuous = [
        f"{where(path, node)}: assert {ast.unparse(node.test)} ({reason})"
        for path in TEST_SOURCES
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Assert) and (reason := always_true(node.test))
    ]
    assert vacuous == []


@pytest.mark.parametrize(
    ("source", "vacuous"),
    [
        ('assert "Connection refused" in error or error', True),
        ("assert True", True),
        ("assert answer == answer", True),
        ('assert "refused" in error', False),
        ('assert "WorkerLostError" in log or "signal 9" in log', False),
        ("assert not items or items[0] == 1", False),
    ],
)
def test_the_vacuous_assertion_check_tells_them_apart(source, vacuous):
    (statement,) = ast.parse(source).body
    assert isinstance(statement, ast.Assert)
    assert (always_true(statement.test) is not None) is vacuous
