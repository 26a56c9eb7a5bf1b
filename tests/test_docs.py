"""The field tables in corpus/README.md and the variable table in README.md match the code.

Fields and settings are declared once, on their dataclasses; these tests keep the documentation
that admins edit by from drifting away from them (in the spirit of sqlite-utils' docs tests).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ropbot.config import ROOT, variables
from ropbot.loader import TOP_LEVEL
from ropbot.model import KINDS, yaml_fields

CODE = re.compile(r"`([^`]+)`")


def tables(path: Path) -> dict[str, list[list[str]]]:
    """Heading -> rows (cells, header and rule left out) of the first table under it."""
    out: dict[str, list[list[str]]] = {}
    heading = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and heading:
            out.setdefault(heading, []).append([c.strip() for c in line.strip().strip("|").split("|")])
    return {h: rows[2:] for h, rows in out.items()}


def corpus_tables() -> dict[str, dict[str, str]]:
    """Kind -> field -> the «required» cell. A row may name several fields («`a`, `b` | no»)."""
    out: dict[str, dict[str, str]] = {}
    for heading, rows in tables(ROOT / "corpus" / "README.md").items():
        top = CODE.match(heading)
        if not top or top.group(1).rstrip(":") not in TOP_LEVEL:
            continue
        kind = TOP_LEVEL[top.group(1).rstrip(":")]
        assert kind not in out, f"two tables for {kind}"
        out[kind] = {}
        for cells in rows:
            for name in CODE.findall(cells[0]):
                assert name not in out[kind], f"{kind}: `{name}` is listed twice"
                out[kind][name] = cells[1]
    return out


def test_every_top_level_list_has_a_field_table():
    assert set(corpus_tables()) == set(TOP_LEVEL.values())


@pytest.mark.parametrize("kind", sorted(set(TOP_LEVEL.values())))
def test_corpus_table_lists_exactly_the_declared_fields(kind: str):
    documented = corpus_tables()[kind]
    declared = yaml_fields(KINDS[kind])
    missing = [f"| `{key}` | {'yes' if spec.required else 'no'} | {spec.doc} |"
               for key, (_, spec) in declared.items() if key not in documented]
    assert not missing, f"corpus/README.md lacks {kind} fields; add rows such as:\n" + "\n".join(missing)
    extra = sorted(set(documented) - set(declared))
    assert not extra, f"corpus/README.md documents {kind} fields the code does not read: {extra}"
    for key, (_, spec) in declared.items():
        assert documented[key] == ("yes" if spec.required else "no"), f"{kind}.{key}: required is {spec.required}"


def test_nested_sections_list_the_section_fields():
    """The chapters table describes a section inline: «list of `{number, title, url}`»."""
    chapters = tables(ROOT / "corpus" / "README.md")["`chapters:`"]
    for key, (_, spec) in yaml_fields(KINDS["chapter"]).items():
        if spec.nested:
            row = next(cells for cells in chapters if CODE.findall(cells[0]) == [key])
            inline = re.search(r"`\{([^}]*)\}`", row[2])
            assert inline, row
            assert [f.strip() for f in inline.group(1).split(",")] == list(yaml_fields(KINDS[spec.nested]))


def expected_default(value: object, default_doc: str) -> str:
    if default_doc:
        return default_doc
    if value is None or value == "" or value == frozenset():
        return "–"
    if isinstance(value, Path):
        return f"`{value.relative_to(ROOT).as_posix()}`"
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def test_environment_table_lists_exactly_the_settings_read():
    rows = tables(ROOT / "README.md")["Configuration"]
    documented: dict[str, str] = {}
    for cells in rows:
        names = CODE.findall(cells[0])
        defaults = cells[1].split(", ") if len(names) > 1 else [cells[1]]
        assert len(defaults) == len(names), cells
        for name, default in zip(names, defaults, strict=False):
            assert name not in documented, f"{name} is listed twice"
            documented[name] = default.replace("/`", "`")  # `corpus/` names a folder
    declared = {spec.name: (spec, default) for spec, default in variables()}
    missing = [f"| `{name}` | {expected_default(d, spec.default_doc)} | {spec.doc} |"
               for name, (spec, d) in declared.items() if name not in documented]
    assert not missing, "README.md lacks settings; add rows such as:\n" + "\n".join(missing)
    extra = sorted(set(documented) - set(declared))
    assert not extra, f"README.md documents variables config.py does not read: {extra}"
    for name, (spec, default) in declared.items():
        assert documented[name] == expected_default(default, spec.default_doc), name
