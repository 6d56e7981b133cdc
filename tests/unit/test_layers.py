"""The layout is the architecture: these tests keep it honest.

- ``litestar_workflows.rules`` is the pure core: it imports no I/O library.
- No module of the SDK, the worker's packages or the gateway imports another in a cycle
  (imports under ``if TYPE_CHECKING:`` are annotations, not dependencies, and do not count).
- The SDK never imports the project's ``examples`` or the gateway (``api``) at module load.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("litestar_workflows", "workflows", "activities", "api")
IO_LIBRARIES = {"temporalio", "litestar", "asyncio", "httpx", "uvicorn", "socket", "subprocess", "requests", "urllib"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    found["worker"] = ROOT / "worker.py"
    return found


KNOWN = set(_modules())


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str, *, top_level_only: bool = False) -> Iterator[str]:
    """Absolute names of the modules ``path`` imports (outside ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(nodes: list[ast.stmt], nested: bool) -> Iterator[str]:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, ast.Import):
                if not (nested and top_level_only):
                    yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if nested and top_level_only:
                    continue
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # ``from pkg import submodule`` depends on the submodule; ``from pkg import name`` on pkg.
                for alias in node.names:
                    yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in KNOWN else base
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or nested
                    yield from walk([child], inner)

    yield from walk(tree.body, False)


def test_rules_import_no_io_library() -> None:
    offenders = []
    for module, path in _modules().items():
        if not module.startswith("litestar_workflows.rules"):
            continue
        for name in _imports(path, module):
            if name.split(".")[0] in IO_LIBRARIES:
                offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_no_import_cycles() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        graph[module] = {name for name in _imports(path, module) if name in modules and name != module}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("forbidden", ["examples", "api"])
def test_sdk_never_imports_the_project_around_it(forbidden: str) -> None:
    offenders = []
    for module, path in _modules().items():
        if not module.startswith("litestar_workflows"):
            continue
        for name in _imports(path, module, top_level_only=True):
            if name.split(".")[0] == forbidden:
                offenders.append(f"{module} imports {name}")
    assert offenders == []
