"""Import cycles between the modules of ``ocpdash/``, as Python meets them at import time.

Only imports at a module's top level count (also inside a top-level ``try``): they run when the module
is first imported, so a cycle among them makes the result depend on which module is imported first
(a half-initialised module, an ImportError in one process and not in another). An import inside a
function runs when the function is called, after every module is loaded: that is how a module
deliberately reaches one that depends on it (``upgrades.submission`` starting a change's flow,
``upgrades.events`` the notifications), and it is not a cycle here. Imports under ``if
TYPE_CHECKING:`` never run. Migrations are left out (Django loads them on their own).

``make lint`` runs ``python -m ocpdash.devtools.cycles``, which prints each cycle and exits 1 if there
is one; tests/core/test_import_cycles.py checks the same, and that a cycle is found.

(grimp and import-linter, the usual tools, count every import wherever it is written, so they see
each deliberate function-level import as a cycle.)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_files(package_dir: Path) -> dict[str, Path]:
    """Every module under ``package_dir`` (a package of ``ROOT``) by its dotted name, migrations left out."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def top_level_imports(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules of ``modules`` that ``name`` imports when it is itself imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _run_at_import(ast.parse(path.read_text(), str(path)).body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:  # `from package import module` imports the module
                whole = f"{base}.{alias.name}"
                targets.add(whole if whole in modules else base)
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def _run_at_import(body: Iterable[ast.stmt]):
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Try):
            yield from _run_at_import([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                yield from _run_at_import(handler.body)
        elif isinstance(node, ast.If):
            yield from _run_at_import([*node.body, *node.orelse])
        else:
            yield node


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph`` (Tarjan's strongly connected components of more than one module,
    or a module importing itself), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative, so a deep graph needs no recursion limit
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def graph_of(package_dir: Path) -> dict[str, set[str]]:
    modules = module_files(package_dir)
    return {name: top_level_imports(name, path, modules) for name, path in modules.items()}


def main() -> int:
    found = cycles(graph_of(ROOT / "ocpdash"))
    for cycle in found:
        print("Import cycle at import time: " + " ↔ ".join(cycle), file=sys.stderr)
    if found:
        print(
            "Move one of these imports into the function that needs it (see ocpdash/devtools/cycles.py).",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
