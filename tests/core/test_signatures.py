"""No function of the project takes a keyword named after a builtin (`type`, `format`, `id`):
inside it the builtin would be gone, and callers would read `id=` as any id at all."""

import ast
import builtins
from pathlib import Path

import procurement

BUILTINS = set(dir(builtins))
SOURCE = Path(procurement.__file__).parent


def test_no_parameter_shadows_a_builtin():
    shadowing = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                shadowing += [
                    f"{path.relative_to(SOURCE)}:{node.lineno} {node.name}({argument.arg})"
                    for argument in arguments
                    if argument.arg in BUILTINS
                ]
    assert not shadowing
