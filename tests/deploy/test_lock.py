"""The lock (requirements-dev.txt, requirements.txt) pins, with hashes, everything pyproject.toml
asks for, and make install, the image and CI install from it."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def locked(name: str) -> dict[str, tuple[str, list[str]]]:
    """{package: (version, hashes)} of a lock file; fails on any line that is not a pin."""
    pins = {}
    text = (ROOT / name).read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert match, f"{name}: not an exact pin with hashes: {line!r}"
        hashes = re.findall(r"sha256:([0-9a-f]{64})", match.group(3))
        pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


DEV_LOCK = locked("requirements-dev.txt")
RUNTIME_LOCK = locked("requirements.txt")


def closure(requirements: list[str]) -> dict[str, list[Requirement]]:
    """Every package `requirements` need on this Python, with the requirements that ask for
    it: the declared ones, then their own dependencies as the installed distributions declare
    them (with the extras asked for)."""
    environment = default_environment()

    def applies(requirement: Requirement, extras: frozenset[str]) -> bool:
        return requirement.marker is None or any(
            requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras
        )

    needed: dict[str, list[Requirement]] = {}
    expanded = set()
    queue = [Requirement(text) for text in requirements]
    queue = [requirement for requirement in queue if applies(requirement, frozenset({""}))]
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        needed.setdefault(name, []).append(requirement)
        extras = frozenset(requirement.extras) | {""}
        if (name, extras) in expanded:
            continue
        expanded.add((name, extras))
        try:
            declared = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # not installed: the lock cannot hold it either
            continue
        dependencies = [Requirement(text) for text in declared]
        queue.extend(dependency for dependency in dependencies if applies(dependency, extras))
    return needed


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        (DEV_LOCK, PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"]),
        (RUNTIME_LOCK, PYPROJECT["dependencies"]),
    ],
    ids=["requirements-dev.txt", "requirements.txt"],
)
def test_the_lock_pins_everything_pyproject_asks_for_within_its_ranges(lock, requirements):
    """Fails when pyproject.toml changed without `make lock`."""
    for name, wanted_by in closure(requirements).items():
        assert name in lock, f"{name} ({wanted_by[0]}) is not in the lock: run make lock"
        version = lock[name][0]
        for requirement in wanted_by:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}=={version} is outside {requirement}: run make lock"
            )


def test_the_installed_environment_is_the_lock():
    """`make install` put exactly the locked versions in .venv."""
    for name, (version, _) in DEV_LOCK.items():
        assert metadata.version(name) == version, name


def test_the_image_runs_the_versions_the_tests_ran():
    for name, (version, hashes) in RUNTIME_LOCK.items():
        assert DEV_LOCK[name] == (version, hashes), name


def test_the_lock_names_no_index_or_local_folder():
    for name in ["requirements.txt", "requirements-dev.txt"]:
        text = (ROOT / name).read_text()
        assert not re.search(r"^\s*(-i|-f|--(extra-)?index-url|--find-links)\b", text, re.M)
        assert "file://" not in text


def test_make_install_the_image_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements-dev.txt" in makefile
    assert re.search(r"pip install .*--no-deps --no-build-isolation -e \.", makefile)
    assert re.search(r"^\$\(VENV\)/\.installed: requirements-dev\.txt", makefile, re.M)
    assert re.search(r"^test: lint ", makefile, re.M) and re.search(
        r"^lint: install$", makefile, re.M
    )
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "COPY requirements.txt ./" in dockerfile
    assert "pip install --require-hashes -r requirements.txt" in dockerfile
    assert "pip install --no-deps --no-build-isolation -e ." in dockerfile
    assert not re.search(r"pip install (?!--require-hashes|--no-deps)", dockerfile)
