"""The layering rules, checked by reading every import (ast), so a shortcut fails the build.

* A service flow (``flows/<service>.py``) never imports another service's module: what two services
  share lives in ``tasks/`` or ``flows/lifecycle.py``.
* ``reachflow/`` is the pure core: it imports neither Prefect nor ``tasks``/``blocks``/``flows``;
  only the application shell ``reachflow/app/`` may.
* ``tasks/`` never imports ``flows/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
# Flows that are not a REACH service: the control plane and the shared job modules.
NOT_SERVICES = {"__init__", "lifecycle", "review", "discovery", "reconcile"}
SERVICES = sorted(p.stem for p in (PROJECT / "flows").glob("*.py") if p.stem not in NOT_SERVICES)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (inside functions too), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from flows import captions`` imports the module flows.captions
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _files(folder: str) -> list[Path]:
    return sorted((PROJECT / folder).rglob("*.py"))


def test_the_rules_see_the_services() -> None:
    assert "captions" in SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_flow_imports_no_other_service(service: str) -> None:
    others = {f"flows.{s}" for s in SERVICES if s != service}
    wrong = sorted(
        m for m in imported_modules(PROJECT / "flows" / f"{service}.py") if any(_under(m, o) for o in others)
    )
    assert not wrong, f"flows/{service}.py imports another service: {wrong} (share it through tasks/ instead)"


def test_the_core_imports_no_prefect_and_no_edges() -> None:
    forbidden = ("prefect", "tasks", "blocks", "flows")
    problems = []
    for path in _files("reachflow"):
        relative = path.relative_to(PROJECT)
        if relative.parts[:2] == ("reachflow", "app"):
            continue
        for module in imported_modules(path):
            if any(_under(module, f) for f in forbidden):
                problems.append(f"{relative}: {module}")
    assert not problems, "reachflow/ must stay pure (move it to reachflow/app/ or tasks/):\n" + "\n".join(problems)


def test_tasks_never_import_flows() -> None:
    problems = [
        f"{path.relative_to(PROJECT)}: {module}"
        for path in _files("tasks")
        for module in imported_modules(path)
        if _under(module, "flows")
    ]
    assert not problems, "tasks/ must not import flows/:\n" + "\n".join(problems)


def test_a_forbidden_import_is_seen_even_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from flows import captions\n    import prefect.flows\n")
    assert {"flows.captions", "prefect.flows"} <= imported_modules(sample)
