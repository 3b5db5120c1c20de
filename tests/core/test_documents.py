"""The documents the code refers to are in the repository: no comment sends a reader to a
file they do not have, and every section of docs/architecture.md a comment cites exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
FOLDERS = ["procurement", "config", "bench", "harness", "deploy"]

DOCUMENT = re.compile(r"(?<![\w/.-])([\w/.-]+\.md)\b")
CITED_SECTION = re.compile(r"docs/architecture\.md: ([^)\n]+)\)")
# How documents kept outside the repository were named.
OUTSIDE = re.compile(r"ARCHITECTURE\.md|\bAPI\.md|\b[Cc]onventions? \d|\b[Tt]he spec\b|\bspec's")


def sources() -> list[Path]:
    files = [path for folder in FOLDERS for path in (ROOT / folder).rglob("*") if path.is_file()]
    return sorted(
        path
        for path in files
        if path.suffix in {".py", ".html", ".txt", ".conf", ""} and "__pycache__" not in path.parts
    )


def sections() -> set[str]:
    return {
        line.removeprefix("## ").strip()
        for line in ARCHITECTURE.read_text().splitlines()
        if line.startswith("## ")
    }


def test_every_document_the_code_names_is_in_the_repository():
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources()
        for name in DOCUMENT.findall(path.read_text(errors="replace"))
        if not (ROOT / name).is_file()
    ]
    assert missing == []


def test_no_comment_points_to_a_document_outside_the_repository():
    outside = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert outside == []


def test_the_sections_of_the_architecture_the_code_cites_exist():
    cited = {
        f"{path.relative_to(ROOT)}: {section}"
        for path in sources()
        for section in CITED_SECTION.findall(path.read_text(errors="replace"))
        if section not in sections()
    }
    assert cited == set()
    assert any(CITED_SECTION.search(path.read_text(errors="replace")) for path in sources())
