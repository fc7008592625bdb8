"""The import rules of docs/architecture.md hold for the real imports of every module.

The table on that page is the rule: this test parses it, so adding a package or an import
across packages without updating the page fails here, and so does an import the page forbids.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "paperfeed"
PAGE = ROOT / "docs" / "architecture.md"
CORE = {"errors", "settings", "arxiv_ids", "links", "logs", "byte_cache", "text", "__init__"}
HTTP_FRAMEWORKS = {"fastapi", "starlette"}
HTTP_UNITS = {"http", "web", "api", "mcp", "app"}


def unit_of_module(parts: tuple[str, ...]) -> str:
    """The unit of the table a module path (inside paperfeed, without .py) belongs to."""
    head = parts[0]
    if head in CORE:
        return "core"
    if head == "store" and len(parts) > 1 and parts[1] == "migrations":
        return "store.migrations"
    return head


def source_units() -> dict[Path, str]:
    units = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        units[path] = unit_of_module(parts)
    return units


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "paperfeed":  # from paperfeed import settings
                names.extend(f"paperfeed.{alias.name}" for alias in node.names)
    return names


def real_imports() -> dict[str, dict[str, set[str]]]:
    """unit -> imported unit -> the modules that import it (for the failure message)."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path, unit in source_units().items():
        for name in imported_modules(path):
            parts = tuple(name.split("."))
            if parts[0] != "paperfeed" or len(parts) == 1:
                continue
            target = unit_of_module(parts[1:])
            if target != unit:
                edges[unit][target].add(str(path.relative_to(ROOT)))
    return edges


def page_rules() -> dict[str, set[str]]:
    text = PAGE.read_text()
    table = text.split("<!-- imports: the test parses this table -->", 1)[1]
    rules = {}
    for line in table.strip().splitlines():
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("package", "---") or set(cells[0]) <= {"-"}:
            continue
        allowed = {a.strip() for a in cells[1].split(",") if a.strip()} if len(cells) > 1 else set()
        rules[cells[0]] = allowed
    return rules


def test_every_package_has_a_row_on_the_page():
    rules = page_rules()
    missing = sorted(set(source_units().values()) - set(rules))
    assert not missing, f"docs/architecture.md has no row for {missing}: add one"
    unknown = sorted(set().union(*rules.values()) - set(rules))
    assert not unknown, f"docs/architecture.md names unknown packages {unknown}"


def test_imports_follow_the_page():
    rules = page_rules()
    broken = [
        f"{unit} imports {target} ({', '.join(sorted(where))})"
        for unit, targets in sorted(real_imports().items())
        for target, where in sorted(targets.items())
        if target not in rules.get(unit, set())
    ]
    assert not broken, "imports the page does not allow:\n" + "\n".join(broken)


def test_the_allowed_imports_have_no_cycle():
    """Layers point one way: the page's own graph is acyclic (migrations aside, which sit
    outside the running program)."""
    rules = {u: a for u, a in page_rules().items() if u != "store.migrations"}
    state: dict[str, str] = {}

    def visit(unit: str, trail: list[str]) -> None:
        if state.get(unit) == "done":
            return
        assert state.get(unit) != "open", "cycle: " + " -> ".join([*trail, unit])
        state[unit] = "open"
        for target in sorted(rules.get(unit, ())):
            visit(target, [*trail, unit])
        state[unit] = "done"

    for unit in sorted(rules):
        visit(unit, [])


def test_frameworks_stay_in_their_layers():
    offenders = []
    for path, unit in source_units().items():
        tops = {name.split(".")[0] for name in imported_modules(path)}
        if tops & HTTP_FRAMEWORKS and unit not in HTTP_UNITS:
            offenders.append(f"{path.relative_to(ROOT)} imports an HTTP framework")
        if "click" in tops and unit != "cli":
            offenders.append(f"{path.relative_to(ROOT)} imports click")
    assert not offenders, "\n".join(sorted(offenders))


def test_readme_points_to_the_page():
    assert re.search(r"\(docs/architecture\.md\)", (ROOT / "README.md").read_text())
