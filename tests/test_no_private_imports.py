"""No module of ``src/paperfeed`` uses another module's private (``_name``) helpers (issue 14,
item 7): a helper two modules share is public, in a module named for what it holds.

The source is read with ``ast``: ``from paperfeed.x import _name`` (relative imports too) and
``x._name`` where ``x`` is a paperfeed module bound by an import. It guards against the
imports this replaced, e.g. ``web/subscription_pages.py`` taking ``_message``, ``_page`` and
``_send`` from ``web/account_pages.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((SRC / "paperfeed").rglob("*.py"))}


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def imported_from(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The absolute module name of ``from <module> import ...`` written in module ``here``."""
    if not node.level:
        return node.module or ""
    base = here.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (head := dotted(node.value)) is not None:
        return f"{head}.{node.attr}"
    return None


def private_uses(here: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = []
    bound: dict[str, str] = {}  # local name -> the paperfeed module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = imported_from(node, here, is_package)
            if not source.startswith("paperfeed"):
                continue
            for alias in node.names:
                if is_private(alias.name) and source != here:
                    found.append(f"{path}:{node.lineno}: from {source} import {alias.name}")
                elif f"{source}.{alias.name}" in MODULES:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("paperfeed"):
                    local = alias.asname or alias.name.partition(".")[0]
                    bound[local] = alias.name if alias.asname else local
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
            continue
        chain = dotted(node.value)
        if chain is None:
            continue
        head, _, rest = chain.partition(".")
        if head not in bound:
            continue
        target = bound[head] + (f".{rest}" if rest else "")
        if target in MODULES and target != here:
            found.append(f"{path}:{node.lineno}: {chain}.{node.attr} (private in {target})")
    return found


def test_the_scan_sees_the_shapes_it_forbids(tmp_path):
    """The scan itself: both shapes are caught, a module's own privates are not."""
    source = (
        "from paperfeed.web.account_forms import _x\n"
        "from . import pages\n"
        "import paperfeed.web.templating as t\n"
        "from paperfeed.web.probe import _mine\n"
        "pages._y, t._z, pages.public\n"
    )
    fake = tmp_path / "probe.py"
    fake.write_text(source)
    found = private_uses("paperfeed.web.probe", fake)
    assert [f.split(": ", 1)[1] for f in found] == [
        "from paperfeed.web.account_forms import _x",
        "pages._y (private in paperfeed.web.pages)",
        "t._z (private in paperfeed.web.templating)",
    ], found


def test_no_module_uses_another_modules_private_names():
    found = [use for name, path in MODULES.items() for use in private_uses(name, path)]
    assert not found, "make these helpers public, where they belong:\n" + "\n".join(found)
