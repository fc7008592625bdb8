"""Documentation kept honest by tests: every setting is in docs/configuration.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paperfeed.settings import Settings

DOC = Path(__file__).parent.parent / "docs" / "configuration.md"


def _sections() -> dict[str, str]:
    """``### name`` heading -> the text under it."""
    parts = re.split(r"^### (\S+)\s*$", DOC.read_text(), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


SECTIONS = _sections()


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_setting_is_documented(name):
    assert name in SECTIONS, f"add a '### {name}' section to docs/configuration.md"
    section = SECTIONS[name]
    assert f"`PAPERFEED_{name.upper()}`" in section
    default = Settings.model_fields[name].default
    if default is not None:
        assert f"`{default}`" in section, f"docs give a stale default for {name}"
    assert len(section.strip().splitlines()) >= 3, f"describe {name}"


def test_every_documented_setting_exists():
    assert sorted(set(SECTIONS) - set(Settings.model_fields)) == []


def test_every_setting_has_a_description():
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_cli_reference_is_current():
    """docs/cli-reference.md is generated from --help by cog; regenerate with `cog -r`."""
    import subprocess
    import sys
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "cli-reference.md"
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(doc)], capture_output=True, text=True
    )
    assert result.returncode == 0, (
        "docs/cli-reference.md is stale: run `.venv/bin/cog -r docs/cli-reference.md`\n"
        + result.stdout
        + result.stderr
    )
