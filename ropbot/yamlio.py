"""Safe YAML loading that remembers line numbers.

Admins edit the corpus by hand, so every error must point at a file and line.
PyYAML drops positions after construction; this loader keeps them on mappings
and rejects duplicate keys, which PyYAML would otherwise silently overwrite.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the line it started on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


@dataclass(frozen=True)
class YamlError(Exception):
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses, Python constructs


class _LineLoader(_SafeLoader):  # type: ignore[valid-type, misc]  # a base chosen at import time
    """Refuses aliases (`*name`): ropbot's files never need them, and nested anchors let a few
    hundred bytes expand into gigabytes (a "billion laughs" upload)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        seen = self.__dict__.setdefault("_seen_nodes", set())
        if id(node) in seen:  # the only way to reach a node twice is through an alias
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed; write the value out", node.start_mark)
        seen.add(id(node))
        return super().construct_object(node, deep)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping key must be a plain value", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Aliases are refused, so a document expands to about its own size; this caps that size.
MAX_DOCUMENT_CHARS = 4_000_000


def load_text(text: str, name: str) -> Any:
    """Parse YAML text; raise YamlError with the file name and 1-based line."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise YamlError(name, 0, f"document is {len(text):,} characters; the limit is {MAX_DOCUMENT_CHARS:,}")
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a (C)SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(name, line, f"YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(name, 0, f"YAML: {exc}") from None


def decode(data: bytes, name: str) -> str:
    """UTF-8 text, or a YamlError naming the line and byte where the file stops being UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(name, line, f"not UTF-8 text at byte {exc.start} ({exc.reason}); save the file as UTF-8") \
            from None


def load_file(path: Path, name: str | None = None) -> Any:
    label = name or path.name
    return load_text(decode(path.read_bytes(), label), label)


def line_of(value: Any, key: str | None = None) -> int:
    if isinstance(value, LineDict):
        if key is not None and key in value.key_lines:
            return value.key_lines[key]
        return value.line
    return 0
