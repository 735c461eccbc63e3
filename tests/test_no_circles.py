"""No import circle anywhere in `workbench/`: modules import each other one way only.

A circle is a set of modules each reachable from the others by imports (a strongly connected
component of the import graph, built by grimp). Imports inside functions and under
`TYPE_CHECKING` count too: a circle that only type checking sees still ties the modules into one
that must be read, and changed, together.
"""

from __future__ import annotations

import grimp

KNOWN: frozenset[frozenset[str]] = frozenset()
"""Circles left to be broken (each a set of module names); none is left."""


def circles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if child < len(edges[node]):
                work.append((node, child + 1))
                nxt = edges[node][child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _chains(graph: grimp.ImportGraph, circle: frozenset[str]) -> str:
    lines = []
    for importer in sorted(circle):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & circle):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']}: {detail['line_contents']}")
    return "\n".join(lines)


def test_no_import_circle_in_workbench() -> None:
    graph = grimp.build_graph("workbench", cache_dir=None)
    new = [c for c in circles(graph) if c not in KNOWN]
    assert not new, "import circles:\n" + "\n\n".join(_chains(graph, c) for c in new)


def test_the_check_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.d", imported="pkg.a")
    assert circles(graph) == [frozenset({"pkg.a", "pkg.b", "pkg.c"})]
