"""The layout keeps its promises: no module imports a module that imports it back (directly or round a loop)."""

from __future__ import annotations

import grimp


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph("storage", "analysis", "gui")  # typing-only imports count too
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == importer or importer.startswith(imported + ".") or imported.startswith(importer + "."):
                continue  # a package and its own modules
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(f"{importer} -> {' -> '.join(back)}")
    assert cycles == []
