"""Web test fixtures: the shared headless browser (tests/browser.py)."""

from __future__ import annotations

from browser import browser  # noqa: F401 (the fixture, shared by the browser test modules)
