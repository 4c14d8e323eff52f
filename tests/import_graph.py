"""Who imports whom in the source, read with ``ast``, and the layering rules of design.md over it.

Every import counts, at any depth (inside functions, ``if TYPE_CHECKING`` blocks, ``try``): a
cycle that only closes at run time, or only for the type checker, still ties the modules
together. ``from x import y`` is an edge to ``x.y`` when that is a module, else to ``x``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

#: Top-level packages of the project, as pyproject.toml ships them.
PACKAGES = ("pipeline", "web_minimal", "workers", "mail_gateway", "teledossier", "bench")
#: The rooms of the core, lowest first: a room imports only from itself and the rooms before it.
ROOMS = ("domain", "store", "documents", "mail", "commands", "stages", "ops")
#: Core modules any room may import (they sit below every room).
BASE = frozenset({"pipeline.settings", "pipeline.errors", "pipeline.context"})
#: Core modules above every room: they read the rooms, no room reads them.
TOP = frozenset({"pipeline.flow", "pipeline.demo"})
#: Libraries the core never imports: they belong to the edges.
FRAMEWORKS = frozenset({"flask", "werkzeug", "jinja2", "dramatiq", "pika", "aiosmtpd",
                        "imapclient", "waitress", "playwright"})
#: The edges, which call the core and never each other.
EDGES = frozenset({"web_minimal", "workers", "mail_gateway"})
#: What an edge must not import besides another edge: the composition root and the benches.
ABOVE_EDGES = frozenset({"teledossier", "bench"})
#: Alembic's revision files: generated, and never imported by the code.
SKIPPED = ("pipeline/store/migrations/versions/",)

Graph = Mapping[str, Iterable[str]]


def module_name(path: Path, root: Path) -> str:
    """Dotted name of the module in ``path``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Each module of ``packages`` under ``root``, by dotted name."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if not path.relative_to(root).as_posix().startswith(SKIPPED):
                found[module_name(path, root)] = path
    return found


def imported_names(module: str, tree: ast.AST, is_package: bool, known: set[str]) -> set[str]:
    """Every dotted name ``tree`` imports, relative imports resolved against ``module``."""
    names = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                name = f"{base}.{alias.name}"
                names.add(name if name in known else base)
    return names


def read_imports(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    """Each module's imports, by dotted name: project modules and libraries alike."""
    files = source_files(root, packages)
    known = set(files)
    return {module: imported_names(module, ast.parse(path.read_bytes(), filename=str(path)),
                                   path.name == "__init__.py", known)
            for module, path in files.items()}


def internal(graph: Graph) -> dict[str, set[str]]:
    """The graph restricted to its own modules (libraries dropped)."""
    return {module: {t for t in targets if t in graph} for module, targets in graph.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components that hold a cycle, each sorted (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
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
    return sorted(found)


def collapse(graph: Graph, group_of: Callable[[str], str | None]) -> dict[str, set[str]]:
    """The graph between groups (``group_of`` maps a module to its group, or None to leave it)."""
    grouped: dict[str, set[str]] = {}
    for module, targets in graph.items():
        group = group_of(module)
        if group is None:
            continue
        grouped.setdefault(group, set())
        for target in targets:
            other = group_of(target)
            if other is not None and other != group:
                grouped[group].add(other)
    return grouped


def package_of(module: str) -> str:
    """Top-level package of ``module``."""
    return module.split(".")[0]


def room_of(module: str) -> str | None:
    """Room of the core holding ``module`` (``pipeline.<room>...``), None outside the rooms."""
    parts = module.split(".")
    if parts[0] != "pipeline" or len(parts) < 2 or module in BASE | TOP:
        return None
    return parts[1]


def rank_of(module: str) -> int | None:
    """Where ``module`` sits in the core: base lowest, then the rooms in order, then the top."""
    if module in BASE:
        return -1
    if module in TOP:
        return len(ROOMS)
    room = room_of(module)
    return ROOMS.index(room) if room in ROOMS else None


def import_cycles(graph: Graph, tolerated: Iterable[list[str]] = ()) -> list[str]:
    """Cycles between modules (but ``tolerated`` ones), top-level packages and rooms of the core."""
    modules = internal(graph)
    allowed = [sorted(cycle) for cycle in tolerated]
    return ([f"modules import each other: {' ⇄ '.join(c)}" for c in cycles(modules)
             if c not in allowed]
            + [f"packages import each other: {' ⇄ '.join(c)}"
               for c in cycles(collapse(modules, package_of))]
            + [f"rooms of the core import each other: {' ⇄ '.join(c)}"
               for c in cycles(collapse(modules, room_of))])


def unknown_rooms(graph: Graph) -> list[str]:
    """Core modules outside the rooms, the base and the top: the order says nothing of them."""
    return sorted({f"pipeline.{room_of(m)} is not a room of the core ({', '.join(ROOMS)}) nor "
                   f"one of {', '.join(sorted(BASE | TOP))}"
                   for m in graph if room_of(m) is not None and room_of(m) not in ROOMS})


def backward_imports(graph: Graph) -> list[str]:
    """Imports from a room of the core to a later room, or to flow/demo."""
    found = []
    for module, targets in sorted(internal(graph).items()):
        rank = rank_of(module)
        if room_of(module) is None or rank is None:
            continue
        for target in sorted(targets):
            other = rank_of(target)
            if other is not None and other > rank:
                found.append(f"{module} (room {room_of(module)}) imports {target}, "
                             f"which sits above it")
    return found


def framework_imports(graph: Graph) -> list[str]:
    """Imports of a web, broker or mail framework from the core."""
    return [f"{module} imports {target}: the core uses no framework"
            for module, targets in sorted(graph.items()) if package_of(module) == "pipeline"
            for target in sorted(targets) if package_of(target) in FRAMEWORKS]


def edge_imports(graph: Graph) -> list[str]:
    """Imports from an edge to another edge, to the composition root or to the benches."""
    return [f"{module} imports {target}: an edge calls the core, nothing else of the project"
            for module, targets in sorted(internal(graph).items())
            if package_of(module) in EDGES
            for target in sorted(targets)
            if package_of(target) != package_of(module)
            and package_of(target) in EDGES | ABOVE_EDGES]


def violations(graph: Graph, tolerated: Iterable[list[str]] = ()) -> list[str]:
    """Every broken rule, one line each."""
    return (import_cycles(graph, tolerated) + unknown_rooms(graph) + backward_imports(graph)
            + framework_imports(graph) + edge_imports(graph))
