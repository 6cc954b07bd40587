"""Read YAML or JSON text into documents, safely, remembering the line of every field.

This is the only place netpol_lab touches raw text. It uses PyYAML's *safe*
composer (no Python objects are ever constructed from tags, nothing is
executed), then builds plain dicts, lists and scalars itself, so that it can:

- record the line of every field, for error messages that point at the text;
- refuse duplicate keys (``kubectl`` rejects them too, and a duplicated
  ``podSelector`` key is a classic AND-vs-OR accident);
- bound the work: nesting depth, number of values produced (alias "billion
  laughs" bombs expand through the same counter) and the size of the text.

Anything that goes wrong is a :class:`~netpol_lab.errors.ParseError` with the
document number and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ParseError
from .files import read_file

MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 5_000_000
MAX_ALIAS_VALUES = 100_000  # values produced by re-reading anchored collections (*alias)

# libyaml's composer (in PyYAML's wheels) is about six times faster than the pure-Python
# one and gives the same nodes and line marks. Both only build nodes ("safe"): scalars are
# constructed below with the SafeLoader's constructors. Text libyaml rejects is read again
# with the pure-Python composer, whose error messages the hints below are written for.
FAST_COMPOSER = getattr(yaml, "CSafeLoader", None)

MAX_NUMBER_CHARS = 100  # a 64-bit integer in binary with separators still fits
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# lone surrogates cannot be written out as UTF-8; control characters (other than tab and
# line breaks) only arrive through escapes such as "\x07" and would garble any report
_UNREADABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

PathKey = tuple  # a field path: ("spec", "ingress", 0, "from", 1)


def excerpt(value: Any, limit: int = 80) -> str:
    """``repr`` of a value cut to about ``limit`` characters, for quoting input in messages.

    Examples
    --------
    >>> excerpt("x" * 100, 10)
    "'xxxxxxxxxx…' (100 characters)"
    >>> excerpt("api")
    "'api'"
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}"[:-1] + f"…' ({len(value):,} characters)"
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 1000 else (
        f"a number of about {int(value.bit_length() * 0.30103):,} digits")
    return text if len(text) <= limit + 2 else text[:limit] + "…"


def format_path(path: PathKey) -> str:
    """Write a field path the way Kubernetes error messages do.

    Examples
    --------
    >>> format_path(("spec", "ingress", 0, "from", 1, "ipBlock", "except", 0))
    'spec.ingress[0].from[1].ipBlock.except[0]'
    >>> format_path(())
    ''
    """
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            key = str(key)
            if len(key) > 80:  # a hostile key: the path stays readable
                key = f"{key[:40]}…({len(key):,} characters)"
            out += f".{key}" if out else key
    return out


@dataclass
class Document:
    """One YAML document: its data, its 1-based number and the line of each field path."""

    data: Any
    number: int
    lines: dict = field(default_factory=dict, repr=False)
    source: str | None = None

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its closest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class _Builder:
    """Turns composed YAML nodes into plain Python data with a line map."""

    def __init__(self, document: int, source: str | None) -> None:
        self.document = document
        self.source = source
        self.lines: dict = {}
        self.count = 0
        self.expanded = 0
        self._built: set[int] = set()
        self._scalars = yaml.SafeLoader("")

    def error(self, node: yaml.Node, message: str, expected: str | None = None,
              path: tuple = ()) -> ParseError:
        return ParseError(
            message,
            path=format_path(tuple(k for k in path if k != "<key>")),
            document=self.document,
            line=node.start_mark.line + 1,
            expected=expected,
            source=self.source,
        )

    def scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        """One scalar, refused with its field path when no API server would accept it."""
        if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
            # base-60 and long decimal numbers cost quadratic time to read, and Python
            # refuses int() of more than 4,300 digits: no field takes such a number
            raise self.error(node, f"the number {node.value[:20]}… has "
                             f"{len(node.value):,} characters, far too many for any field",
                             "a number such as 8080", path)
        try:
            value = self._scalars.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML raises many types for odd scalars
            raise self.error(node, f"cannot read the value {excerpt(node.value)}: "
                             f"{excerpt(str(exc), 80)}", path=path) from None
        if isinstance(value, str) and (bad := _UNREADABLE.search(value)):
            char = ord(bad.group())
            what = ("a lone surrogate" if 0xD800 <= char <= 0xDFFF
                    else "an invisible control character")
            raise self.error(node, f"the text {excerpt(value)} contains {what} "
                             f"(U+{char:04X}), which no Kubernetes field accepts",
                             "plain text: remove the escape sequence", path)
        return value

    def build(self, node: yaml.Node, path: tuple, depth: int = 0, alias: bool = False) -> Any:
        # PyYAML hands back the anchored node itself for every *alias: a collection
        # seen before is an alias copy, and everything built inside it counts as expansion.
        if not alias and isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            alias = id(node) in self._built
            self._built.add(id(node))
        self.count += 1
        self.expanded += alias
        if self.count > MAX_VALUES or self.expanded > MAX_ALIAS_VALUES:
            raise self.error(
                node,
                f"the document expands to more than "
                f"{MAX_VALUES if self.count > MAX_VALUES else MAX_ALIAS_VALUES:,} values "
                "(YAML aliases that repeat each other, a 'billion laughs' bomb?)",
                "a plain manifest without nested anchors",
            )
        if depth > MAX_DEPTH:
            raise self.error(node, f"the document is nested more than {MAX_DEPTH} levels deep")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1, alias)
                    for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.error(key_node, "a mapping key must be a plain word", "key: value")
                if key_node.value == "<<" or key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.error(
                        key_node, "YAML merge keys (<<) are not supported in manifests",
                        "the fields written out", path=(*path, "<<"),
                    )
                key = self.build(key_node, (*path, "<key>"), depth + 1, alias)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in out:
                    raise self.error(
                        key_node,
                        f"the key {excerpt(key)} appears twice in the same mapping"
                        + (" (the second would silently replace the first)"),
                        "each key once; to combine selectors with AND put both keys in one "
                        "list item, for OR start a new item with '-'",
                    )
                out[key] = self.build(value_node, (*path, key), depth + 1, alias)
            self.lines.pop((*path, "<key>"), None)
            return out
        raise self.error(node, "unsupported YAML node")  # pragma: no cover


def read_text(source: str | bytes | os.PathLike, *,
              max_bytes: int = MAX_TEXT_BYTES) -> tuple[str, str | None]:
    """Return ``(text, name)`` for a path, bytes, or a string of YAML.

    A :class:`os.PathLike` (such as :class:`pathlib.Path`) is a file, read with
    :func:`netpol_lab.files.read_file` (regular files only, size checked
    first); a ``str`` is always the YAML text itself, never a file name, even
    when it looks like one (``"policy.yaml"``). Text over ``max_bytes`` is
    refused.

    Examples
    --------
    >>> read_text("policy.yaml")
    ('policy.yaml', None)
    """
    name = None
    if isinstance(source, os.PathLike):
        path = Path(source).expanduser()
        name = str(path)
        source = read_file(path, max_bytes=max_bytes)
    if isinstance(source, bytes):
        if len(source) > max_bytes:
            raise ParseError(f"the input has {len(source):,} bytes, more than the limit of "
                             f"{max_bytes:,}", source=name)
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"the input is not UTF-8 text (byte {exc.start})", source=name,
                expected="a YAML or JSON text file",
            ) from None
    if not isinstance(source, str):
        raise ParseError(
            f"cannot read YAML from a {type(source).__name__}",
            expected="a YAML string, a pathlib.Path to a .yaml/.json file, or dicts",
        )
    if len(source) > max_bytes:
        raise ParseError(f"the text has {len(source):,} characters, more than the limit of "
                         f"{max_bytes:,}", source=name,
                         expected="a shorter text: a few policies fit in a few kilobytes")
    return source, name


def iter_documents(text: str, source: str | None = None) -> Iterator[Document]:
    """Parse YAML (or JSON) text into :class:`Document` objects, skipping empty ones.

    Examples
    --------
    >>> docs = list(iter_documents("a: 1\\n---\\nb:\\n  - x\\n"))
    >>> [d.data for d in docs]
    [{'a': 1}, {'b': ['x']}]
    >>> docs[1].line_of(("b", 0))
    4
    """
    if "\x00" in text:
        raise ParseError("the input contains NUL bytes: this is binary data, not YAML",
                         source=source, expected="a YAML or JSON text")
    if FAST_COMPOSER is not None:
        try:
            nodes = _compose_all(FAST_COMPOSER, text)
        except (yaml.YAMLError, RecursionError):
            nodes = None  # read again below: the pure-Python reader words errors better
        if nodes is not None:
            for number, node in nodes:
                yield from _document(node, number, source)
            return
    number = 0
    try:  # the reader checks every character up front: control characters fail here
        composer = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _control_character(exc, text, source) from None
    try:
        while composer.check_node():
            number += 1
            try:
                node = composer.get_node()
            except RecursionError:
                raise ParseError(
                    "the document is nested too deeply to read", document=number, source=source
                ) from None
            yield from _document(node, number, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        hint = _syntax_hint(problem)
        raise ParseError(
            f"YAML syntax error: {problem}" + (f" ({exc.context})" if exc.context else ""),
            document=number or 1,
            line=mark.line + 1 if mark else None,
            expected=hint,
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"cannot read the YAML: {exc}", source=source) from None
    except RecursionError:
        raise ParseError("the document is nested too deeply to read", source=source) from None
    finally:
        composer.dispose()


def _compose_all(loader_class: type, text: str) -> list[tuple[int, yaml.Node]]:
    """Every document's node graph, numbered from 1 (raises PyYAML's own errors)."""
    loader = loader_class(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append((len(nodes) + 1, loader.get_node()))
        return nodes
    finally:
        loader.dispose()


def _document(node: yaml.Node | None, number: int, source: str | None) -> Iterator[Document]:
    if node is None:
        return
    builder = _Builder(number, source)
    data = builder.build(node, ())
    if data is not None:
        yield Document(data, number, builder.lines, source)


def _control_character(exc: yaml.reader.ReaderError, text: str, source: str | None) -> ParseError:
    char = exc.character if isinstance(exc.character, int) else ord(exc.character)
    position = min(max(exc.position, 0), len(text))
    return ParseError(
        f"the text contains the invisible control character U+{char:04X}, which YAML "
        "does not allow (often pasted from a terminal or a word processor)",
        line=text.count("\n", 0, position) + 1, source=source,
        expected="plain text: delete the character or retype the line",
    )


def _syntax_hint(problem: str) -> str | None:
    if "tab" in problem or "'\\t'" in problem:  # PyYAML writes: found character '\t'
        return "spaces for indentation (YAML forbids tabs)"
    if "mapping values are not allowed" in problem:
        return "consistent indentation, and a space after each ':'"
    if "expected <block end>" in problem or "block" in problem:
        return "list items ('- ') and keys lined up at the same indentation"
    return None
