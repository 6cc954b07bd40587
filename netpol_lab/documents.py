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
from pathlib import Path
from typing import Any

import yaml

from .errors import ParseError
from .files import read_file

MAX_TEXT_BYTES = 64 * 1024 * 1024
# What an interactive editor (Playground, exercise widget) accepts: every edit is read,
# checked and linted while the kernel waits, and 100,000 characters (hundreds of
# policies) take about half a second; a course answer is a few hundred characters.
MAX_EDITOR_CHARS = 100_000
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
_STR_TAG = "tag:yaml.org,2002:str"
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


class Document:
    """One YAML document: its data, its 1-based number and the line of each field path.

    A document read on the fast path (:func:`iter_documents`) has no line map
    until one is asked for (``lines`` or :meth:`line_of`): then the text is
    read again, with line tracking, once for all the documents of that text.
    """

    __slots__ = ("_lines", "_lines_from", "data", "number", "source")

    def __init__(self, data: Any, number: int, lines: dict | None = None,
                 source: str | None = None, lines_from: _LineIndex | None = None) -> None:
        self.data = data
        self.number = number
        self.source = source
        self._lines = lines if lines is not None else {}
        self._lines_from = lines_from

    def __repr__(self) -> str:
        return f"Document(data={self.data!r}, number={self.number}, source={self.source!r})"

    @property
    def lines(self) -> dict:
        """``field path → line`` for every field of the document."""
        if self._lines_from is not None:
            self._lines = self._lines_from.lines(self.number)
            self._lines_from = None
        return self._lines

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its closest ancestor that has one."""
        lines = self.lines
        path = tuple(path)
        while True:
            if path in lines:
                return lines[path]
            if not path:
                return None
            path = path[:-1]


class _Builder:
    """Turns composed YAML nodes into plain Python data with a line map."""

    def __init__(self, document: int, source: str | None, track_lines: bool = True) -> None:
        self.document = document
        self.source = source
        self.track_lines = track_lines
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
        if node.tag == _STR_TAG:  # the composer resolved it already: the text is the value
            value = node.value
        else:
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
        if self.track_lines:
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


def iter_documents(text: str, source: str | None = None, *,
                   track_lines: str = "on-demand") -> Iterator[Document]:
    """Parse YAML (or JSON) text into :class:`Document` objects, skipping empty ones.

    ``track_lines="on-demand"`` (the default) reads the text on a fast path
    first: JSON with the :mod:`json` module, YAML with libyaml's composer and
    no line map; a document's lines are then found when first asked for
    (:meth:`Document.line_of`), by reading the text again with line tracking.
    Anything unusual (a value the fast path does not judge the same way, an
    error) is read on the line-tracking path at once, so the data and every
    error are the same either way. ``track_lines="always"`` skips the fast
    path.

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
    fast = _read_fast(text, source) if track_lines == "on-demand" else None
    if fast is not None:
        yield from fast
        return
    if FAST_COMPOSER is not None:
        try:
            with _collector_paused():
                nodes = _compose_all(FAST_COMPOSER, text)
        except (yaml.YAMLError, RecursionError):
            nodes = None  # read again below: the pure-Python reader words errors better
        if nodes is not None:
            for number, node in nodes:
                with _collector_paused():
                    docs = list(_document(node, number, source))
                yield from docs
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


class _LineIndex:
    """The line maps of one text's documents, built on first use by a line-tracking read."""

    def __init__(self, text: str, source: str | None) -> None:
        self._text, self._source = text, source
        self._lines: dict[int, dict] | None = None

    def lines(self, number: int) -> dict:
        if self._lines is None:
            self._lines = {doc.number: doc.lines for doc in
                           iter_documents(self._text, self._source, track_lines="always")}
            self._text = ""
        return self._lines.get(number, {})


class _Unusual(Exception):
    """The fast path met something it leaves to the line-tracking path."""


def _read_fast(text: str, source: str | None) -> list[Document] | None:
    """The documents of ``text`` without line maps, or ``None`` to take the careful path.

    JSON (a text that starts with ``{`` or ``[``) is read with :mod:`json`:
    any duplicate key, exponent, ``NaN``, over-long number or unreadable
    character sends it to the careful path, where YAML's rules (JSON is YAML)
    decide and word the error. Other text is composed by libyaml and built
    without line tracking; any error sends it to the careful path too.
    """
    index = _LineIndex(text, source)
    try:
        with _collector_paused():
            if text.lstrip()[:1] in ("{", "["):
                data = _json(text)
                return [] if data is None else [Document(data, 1, source=source,
                                                         lines_from=index)]
            accelerated = _read_accelerated(text)
            if accelerated is not None:
                return [Document(data, number, source=source, lines_from=index)
                        for number, data in accelerated if data is not None]
            if FAST_COMPOSER is None:
                return None
            docs = []
            for number, node in _compose_all(FAST_COMPOSER, text):
                if node is None:
                    continue
                builder = _Builder(number, source, track_lines=False)
                data = builder.build(node, ())
                if data is not None:
                    docs.append(Document(data, number, source=source, lines_from=index))
            return docs
    except (_Unusual, ParseError, yaml.YAMLError, RecursionError, ValueError):
        return None


def _read_accelerated(text: str) -> list[tuple[int, Any]] | None:
    """``(number, data)`` of every document read by the optional yaml-rs accelerator, or None.

    See :mod:`netpol_lab.yaml_accel`: it is used only for large texts, when
    ``netpol-lab[fast]`` is installed, and only where it reads what this
    module's own builder reads.
    """
    from . import yaml_accel

    if len(text) < yaml_accel.MIN_CHARS:
        return None

    def build_alone(chunk: str, number: int) -> Any:
        nodes = _compose_all(FAST_COMPOSER or yaml.SafeLoader, chunk)
        if len(nodes) != 1:
            raise _Unusual("not one document")
        node = nodes[0][1]
        return None if node is None else _Builder(number, None, track_lines=False).build(node, ())

    return yaml_accel.read(text, build_alone)


def _json(text: str) -> Any:
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out = dict(items)
        if len(out) != len(items):
            raise _Unusual("duplicate key")
        return out

    def number(literal: str) -> int:
        if len(literal) > MAX_NUMBER_CHARS:
            raise _Unusual("long number")
        return int(literal)

    def decimal(literal: str) -> float:
        # YAML 1.1 (PyYAML) reads 1e3 and 1.5e3 as text, 1.5e+3 as a float
        if "e" in literal.lower() or len(literal) > MAX_NUMBER_CHARS:
            raise _Unusual("exponent")
        return float(literal)

    def constant(literal: str) -> None:
        raise _Unusual(literal)

    data = json.loads(text, object_pairs_hook=pairs, parse_int=number, parse_float=decimal,
                      parse_constant=constant)
    _check_text(data, 0)
    return data


def _check_text(value: Any, depth: int, count: list[int] | None = None) -> None:
    """Unusual: characters YAML refuses, nesting over MAX_DEPTH, more than MAX_VALUES values."""
    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_VALUES:
        raise _Unusual("too deep or too many values")
    if isinstance(value, str):
        if _UNREADABLE.search(value):
            raise _Unusual("character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, depth + 1, count)
            _check_text(item, depth + 1, count)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, depth + 1, count)


class _collector_paused:
    """Pause Python's cyclic garbage collector while a large node graph is built.

    Composing 3 MB of YAML creates millions of objects that live until the
    document is built; each collection pass walks them all again, which made
    reading a 5,000-pod cluster several times slower. Nothing here creates
    reference cycles that need the collector.
    """

    def __enter__(self) -> None:
        import gc

        self._was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        import gc

        if self._was:
            gc.enable()


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
