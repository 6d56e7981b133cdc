"""The README's configuration tables, generated from Settings and .env.example so they cannot drift.

``python -m tests.devstack.readme_tables`` rewrites the tables in README.md; the test in
``test_readme.py`` fails when they differ from what this renders.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from litestar_workflows.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARKERS = {
    "settings": ("<!-- settings-table:start -->", "<!-- settings-table:end -->"),
    "compose": ("<!-- compose-table:start -->", "<!-- compose-table:end -->"),
}


def settings_descriptions() -> dict[str, tuple[str, str]]:
    """``field -> (ENV_VAR, description)`` from the Attributes section of the Settings docstring."""
    doc = Settings.__doc__ or ""
    entries: dict[str, tuple[str, str]] = {}
    current: str | None = None
    for line in doc.split("Attributes:", 1)[1].splitlines():
        match = re.match(r"^\s{8}(\w+): ``(\w+)``(?: — (.*))?$", line)
        if match:
            current = match[1]
            entries[current] = (match[2], (match[3] or "").strip())
        elif current and line.startswith(" " * 12) and line.strip():
            alias, text = entries[current]
            entries[current] = (alias, f"{text} {line.strip()}".strip())
        elif not line.strip():
            current = None
    return entries


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    value: Any = field.get_default(call_default_factory=True) if field.default is PydanticUndefined else field.default
    if value is None:
        return "*(unset)*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{','.join(value)}`" if value else "*(empty)*"
    return f"`{value}`"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table() -> str:
    """Every Settings field: variable, default, meaning."""
    described = settings_descriptions()
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        alias = str(field.validation_alias)
        doc_alias, text = described.get(name, (alias, ""))
        if doc_alias != alias:
            raise ValueError(f"Settings docstring names {doc_alias} for {name}, the field reads {alias}")
        text = re.sub(r":\w+:`([^`]+)`", r"\1", text).replace("``", "`")
        rows.append(f"| `{alias}` | {_default(name)} | {_escape(text)} |")
    return "\n".join(rows)


def env_example_entries() -> list[tuple[str, str, str]]:
    """``(name, value, comment)`` of every variable in .env.example, the comment being the lines above it."""
    entries = []
    comment: list[str] = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("# ---") or not stripped:
            comment = []
        elif stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
        else:
            name, _, value = stripped.partition("=")
            entries.append((name, value, " ".join(comment)))
            comment = []
    return entries


def compose_table() -> str:
    """Every variable of docker-compose.yml (from .env.example): variable, example value, meaning."""
    rows = ["| Variable | `.env.example` | Meaning |", "| --- | --- | --- |"]
    for name, value, comment in env_example_entries():
        shown = f"`{value}`" if value else "*(empty)*"
        rows.append(f"| `{name}` | {shown} | {_escape(comment)} |")
    return "\n".join(rows)


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def render(readme: str) -> str:
    """``readme`` with both tables regenerated."""
    for key, table in (("settings", settings_table()), ("compose", compose_table())):
        start, end = MARKERS[key]
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(readme):
            raise ValueError(f"README.md lacks the {start} ... {end} markers")
        # A function replacement: the table's backslashes must not be read as group references.
        readme = pattern.sub(_constant(f"{start}\n{table}\n{end}"), readme)
    return readme


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
    sys.stdout.write("README.md tables regenerated\n")
