"""An optional accelerator for reading large YAML: yaml-rs, guarded to give PyYAML's results.

``pip install netpol-lab[fast]`` adds `yaml-rs <https://pypi.org/project/yaml-rs/>`_,
a YAML parser written in Rust that reads a 3 MB cluster export about five times
faster than libyaml through PyYAML. Without it nothing changes: this module
simply answers ``None`` and :mod:`netpol_lab.documents` reads the text as
before.

yaml-rs follows YAML 1.2, PyYAML follows YAML 1.1, and the two disagree on
some plain (unquoted) words: ``yes``, ``on``, ``0o17``, ``017``, ``1:30``,
``1e3`` and hashes such as ``5e784673`` (YAML 1.2 reads that as a float,
infinity). So the text is used only where it cannot make a difference:

1. **The whole text** is refused (``None``: the usual path reads it) when it
   has anything the comparison below does not cover: tabs, ``%`` directives,
   ``...`` document ends, lone carriage returns, the YAML 1.1-only line
   breaks (U+0085, U+2028, U+2029), a byte order mark, characters YAML does
   not allow, lines over 1,000 characters (PyYAML refuses keys over 1,024),
   an alias (``*name``: yaml-rs would expand it before any limit applies),
   64 spaces of indentation or 16 ``- `` entries on one line (yaml-rs
   recurses without a limit of its own: a 20,000-deep list crashes the
   process), or an untested yaml-rs version.
2. **Every distinct word** that either reader could read as something other
   than text (it starts with a digit, a sign, ``.``, ``~``, ``<`` or ``=``,
   or it is ``yes``, ``no``, ``on``, ``off``, ``true``, ``false``, ``null``
   ... in any case) is read by both, alone; a word read differently (value
   or type), a date or time (a timestamp may go on after a space), a tag
   (``!``), an anchor or alias (``&``, ``*``), or an escape in quotes that
   could make an unreadable character marks the **documents** that contain
   it. Quoted words count too (a false alarm only costs time).
3. The text is parsed once by yaml-rs; a marked document is parsed again on
   its own by libyaml and built exactly as :mod:`netpol_lab.documents`
   builds it. Any error anywhere gives ``None``, so every error message
   (field path, document, line) comes from the usual path.
4. The parsed data is checked as the usual builder checks it: keys become
   text the same way (``true`` → ``"true"``, ``1`` → ``"1"``), a key that
   then appears twice, a non-scalar key, nesting deeper than ``MAX_DEPTH``
   and more than ``MAX_VALUES`` values give ``None``.

``tests/test_fast_yaml.py`` proves the equality: the whole corpus and
generated documents full of YAML 1.1/1.2 edge cases read the same, value for
value and type for type, with and without the accelerator.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections.abc import Callable
from typing import Any

import yaml

# Only versions the differential test has passed on are used.
TESTED_VERSIONS = ("0.1.6",)
# Below this size libyaml reads a text in a few milliseconds: not worth the guard.
MIN_CHARS = 64 * 1024
# NETPOL_LAB_YAML_ACCEL=0 turns the accelerator off (the results are the same either way).
ENABLED = os.environ.get("NETPOL_LAB_YAML_ACCEL", "1") != "0"

_END = "netpol-lab-end-of-stream-7c1e"  # appended as a last document to count documents
_MAX_LINE = 1000
# "key: |" (or "- key: >-" ...) alone on a line: the lines after it, further indented, are text
_BLOCK_HEADER = re.compile(r"( *)(?:- +)*[^ #\-?:][^#]*: +[|>][-+1-9]{0,2} *\r?")

# The whole text goes the usual way when it contains any of these (characters YAML refuses
# and the line breaks only YAML 1.1 has; tabs, lone carriage returns, byte order marks)...
_REFUSE_CHARS = re.compile(
    "[^\r\n\x20-\x7e\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e"
    "\u2060-\u2fff\u3001-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|\r(?!\n)")
_ASCII_ALLOWED = bytes(range(0x20, 0x7F)) + b"\r\n"
# ... or a line that starts a "%" directive or a "..." document end. (Patterns here start
# with a literal character: the regular expression engine then skips ahead quickly.)
_REFUSE_LINES = re.compile(r"\n(?:%|\.\.\.(?=[ \r\n]|\Z))")
# A document starts at "---" in column 0 followed by a space or a line break.
_DOCUMENT_START = re.compile(r"\n---(?=[ \r\n]|\Z)")
_CONTENT = re.compile(r"^[ ]*[^ \r\n#]", re.MULTILINE)
_WORD = re.compile(r"\S+")
_FLOW = re.compile(r"[,\[\]{}]")
_PIECES = re.compile(r"[,\[\]{}:]")
_FLOW_OR_QUOTE = re.compile("[,\\[\\]{}'\"]")
_EMPTY_KEY = re.compile(r"[,\[{][:?]")
# What _within_limits looks for: a flow collection that is not empty, more indentation or
# more "- - -" entries on one line than _SHALLOW says.
_SHALLOW = (20, 3)
_DEEP_INDENT = re.compile(rf"\n {{{_SHALLOW[0] + 1}}}")
_VERY_DEEP_INDENT = re.compile(r"\n {64}")
_VERY_MANY_DASHES = re.compile("- +" * 15 + "- ")
_ALIAS = re.compile(r"[\s\[{,]\*")
_MANY_DASHES = re.compile("- +" * _SHALLOW[1] + "- ")
# A word that starts with a letter and has only letters, digits, "_", ".", "/", "-" (and
# maybe a ":" at its end): its only piece is itself, a candidate only as yes/no/null/...
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*:?")
# Words either reader may resolve to something other than text.
_CANDIDATE = re.compile(
    r"[-+.0-9~<=]|(?i:yes|no|on|off|y|n|true|false|null|none|inf|infinity|nan)$")
# A date or a time: a timestamp may go on after a space or on the next line.
_DATE_OR_TIME = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}:[0-9]{2}:[0-9]{2}")
# Escapes that cannot produce a character the builder refuses: \\ \" \/ \n \t \r \  \_ \L \P
_RISKY_ESCAPE = re.compile(r'\\[^\\"/ntr \n_LP]')

_yaml_rs: Any = None  # the module, once imported; False when it is missing or untested
_verdicts: dict[str, int] = {}  # plain word → one of these (a bounded cache):
_DIFFERENT, _SAME_TEXT, _SAME_NOT_TEXT = 0, 1, 2


def available() -> bool:
    """Whether a tested yaml-rs is installed and the accelerator is switched on.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    global _yaml_rs
    if not ENABLED:
        return False
    if _yaml_rs is None:
        try:
            import yaml_rs
        except ImportError:
            _yaml_rs = False
        else:
            _yaml_rs = yaml_rs if getattr(yaml_rs, "__version__", "") in TESTED_VERSIONS \
                else False
    return _yaml_rs is not False


def read(text: str, build_alone: Callable[[str, int], Any]) -> list[tuple[int, Any]] | None:
    """``[(document number, data), ...]`` for every document of ``text``, or ``None``.

    ``None`` means: read the text the usual way (no accelerator, a small text,
    something the guard does not cover, or any error). ``build_alone(chunk,
    number)`` reads one document's text the usual way (without line tracking);
    it is used for the documents the guard marks. Empty documents are kept
    (their data is ``None``), as the caller numbers and skips them.
    """
    if len(text) < MIN_CHARS or not available() or not text.endswith("\n"):
        return None
    try:
        return _read(text, build_alone)
    except Exception:  # anything unforeseen: the usual path reads the text and words errors
        return None


def _read(text: str, build_alone: Callable[[str, int], Any]) -> list[tuple[int, Any]] | None:
    if _refused(text):
        return None
    starts = [m.start() for m in _DOCUMENT_START.finditer("\n" + text)]  # "\n": line 1 too
    if not starts or starts[0] != 0:
        head = text[:starts[0]] if starts else text
        if _CONTENT.search(head):  # content before the first "---": an implicit document
            starts.insert(0, 0)
    marked, text_keys = _marked_words(text)
    parsed = _yaml_rs.loads(text + "---\n" + _END + "\n")
    if parsed == _END:
        parsed = []
    elif isinstance(parsed, list) and parsed and parsed[-1] == _END:
        parsed = parsed[:-1]
    else:
        return None
    if len(parsed) != len(starts):
        return None
    redo = _documents_with(text, starts, marked) if marked else set()
    from .documents import MAX_DEPTH, MAX_VALUES

    limits = (MAX_DEPTH, MAX_VALUES)
    bounds = [*starts, len(text)]
    walk = not text_keys or not _within_limits(text, bounds, limits)
    out = []
    for i, data in enumerate(parsed):
        if i in redo:
            data = build_alone(text[bounds[i]:bounds[i + 1]], i + 1)
        elif walk:
            data = _checked(data, 0, [1], limits)
        out.append((i + 1, data))
    return out


class _Refused(Exception):
    pass


def _refused(text: str) -> bool:
    """Whether the text has something the word-by-word comparison does not cover."""
    if text.isascii():
        if text.encode("ascii").translate(None, _ASCII_ALLOWED) or (
                "\r" in text and _REFUSE_CHARS.search(text)):
            return True
    elif _REFUSE_CHARS.search(text):
        return True
    if _REFUSE_LINES.search("\n" + text):
        return True
    # yaml-rs expands aliases and nests recursively (a 20,000-deep list crashes the
    # process): no alias, and a nesting depth bounded before it parses (see _within_limits;
    # it refuses flow collections nested over 256 deep by itself)
    if "*" in text and _ALIAS.search("\n" + text):
        return True
    if _VERY_DEEP_INDENT.search("\n" + text) or _VERY_MANY_DASHES.search(text):
        return True
    # PyYAML refuses keys over 1,024 characters, which only fit on a longer line
    lines = text.split("\n")
    if max(map(len, lines)) <= _MAX_LINE:  # the usual case, checked at C speed
        return False
    return any(len(line) > _MAX_LINE and not _block_text(lines, i)
               for i, line in enumerate(lines))


def _block_text(lines: list[str], i: int) -> bool:
    """Whether long line ``i`` is the first line of a block scalar (``key: |``): text, no key.

    ``kubectl`` writes the last-applied-configuration annotation this way, as one long
    line of JSON.
    """
    header = _BLOCK_HEADER.fullmatch(lines[i - 1]) if i else None
    line = lines[i]
    return header is not None and len(line) - len(line.lstrip(" ")) > len(header.group(1))


def _within_limits(text: str, bounds: list[int], limits: tuple[int, int]) -> bool:
    """Whether no document of ``text`` can be nested deeper or have more values than ``limits``.

    Values: every key and every list item takes at least one character of its own, so a
    document has at most twice as many values as characters (aliases are marked). Depth:
    without flow collections (``[a]``, ``{a: 1}``; empty ones are leaves), a block
    collection starts at the column of its parent or further right, at the same column
    only for a list under a key, and two columns further for an item of a list: a node
    starting in column ``c`` is at most ``2c + 2`` deep, and the line it is on adds at
    most its leading ``- - -`` entries plus a key and its value.
    """
    longest = max((b - a for a, b in itertools.pairwise(bounds)), default=0)
    if 2 * longest + 2 > limits[1]:
        return False
    indent, dashes = _SHALLOW
    if limits[0] < 2 * (indent + 1) + 3 * dashes + 3:
        return False
    flow = text.count("[") + text.count("{") - text.count("[]") - text.count("{}")
    return not (flow or _DEEP_INDENT.search("\n" + text) or _MANY_DASHES.search(text))


def _marked_words(text: str) -> tuple[set[str], bool]:
    """The words whose documents must be read the usual way; whether all keys are text.

    The distinct whitespace-separated words are judged; keys are surely text when no
    word that may be a key (it has a ':') has a piece either reader takes for a number,
    a boolean or null.
    """
    # str.split also splits at a few Unicode spaces YAML does not know: _REFUSE_CHARS
    # refuses texts that have them, so these words are exactly YAML's.
    words = set(text.split())
    words.discard("-")  # a lone "-" is a list entry ("- item", "-" at a line's end)
    pieces = {word: _pieces(word) for word in words}
    unjudged = {p for ps in pieces.values() if ps for p in ps if p not in _verdicts}
    if unjudged:
        _judge(sorted(unjudged))
    marked = {word for word, ps in pieces.items() if ps is None or not all(map(_verdicts.get, ps))}
    text_keys = not any(_verdicts[p] == _SAME_NOT_TEXT for word, ps in pieces.items()
                        if ps and ":" in word for p in ps)
    return marked, text_keys


def _pieces(word: str) -> list[str] | None:
    """The pieces of ``word`` either reader might not read as text; None: mark it at once."""
    if _NAME.fullmatch(word):  # most words: a name, maybe a key; one piece, no indicators
        name = word.rstrip(":")
        return [name] if _CANDIDATE.match(name) else []
    if word[0] in "!&*?:" or ("\\" in word and _RISKY_ESCAPE.search(word)) \
            or _EMPTY_KEY.search(word) or "<<" in word:
        # a tag, an anchor, an alias, an explicit or empty key, an escape that may make a
        # control character, a merge key (refused even when quoted)
        return None
    # a plain scalar is a whole word, or a piece of one between flow indicators and ':'
    parts = {word}
    if _FLOW_OR_QUOTE.search(word):
        parts.update(_FLOW.split(word))
        parts.update(_PIECES.split(word))
    out = []
    for part in parts:
        part = part.rstrip(":")
        if not part:
            continue
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"" \
                and "'" not in part[1:-1] and '"' not in part[1:-1]:
            continue  # a whole quoted scalar: text for both readers
        for variant in {part, part.strip("'\"")}:
            if not variant:
                continue
            if variant[0] in "!&*":
                return None
            if _CANDIDATE.match(variant):
                if _DATE_OR_TIME.match(variant):
                    return None  # a timestamp may go on after a space or on the next line
                out.append(variant)
    return out


def _judge(words: list[str]) -> None:
    """Record in ``_verdicts`` whether PyYAML and yaml-rs read each plain word the same."""
    if len(_verdicts) > 200_000:
        _verdicts.clear()
    mine = _pyyaml_values(words)
    theirs = _yaml_rs_values(words)
    for word, a, b in zip(words, mine, theirs, strict=True):
        _verdicts[word] = (_DIFFERENT if not _equal(a, b)
                           else _SAME_TEXT if type(a) is str else _SAME_NOT_TEXT)


_FAILED = object()


def _pyyaml_values(words: list[str]) -> list[Any]:
    """Each word as the builder of :mod:`netpol_lab.documents` reads it as a plain scalar."""
    from .documents import _STR_TAG, _Builder
    from .errors import ParseError

    builder = _Builder(1, None, track_lines=False)
    mark = yaml.Mark("", 0, 0, 0, None, None)
    out = []
    for word in words:
        tag = _RESOLVER.resolve(yaml.ScalarNode, word, (True, False))
        if tag == _STR_TAG:
            out.append(word)
            continue
        try:
            out.append(builder.scalar(yaml.ScalarNode(tag, word, mark, mark), ()))
        except ParseError:
            out.append(_FAILED)
    return out


def _yaml_rs_values(words: list[str]) -> list[Any]:
    """Each word as yaml-rs reads it as a plain scalar: all in one list, else one by one."""
    try:
        data = _yaml_rs.loads("".join(f"- {word}\n" for word in words))
    except Exception:
        data = None
    if type(data) is list and len(data) == len(words) \
            and all(type(value) in _SCALARS for value in data):
        return data
    return [_yaml_rs_value(word) for word in words]


def _yaml_rs_value(word: str) -> Any:
    try:
        data = _yaml_rs.loads("k: " + word + "\n")
    except Exception:
        return _FAILED
    if type(data) is not dict or len(data) != 1 or "k" not in data:
        return _FAILED
    return data["k"]


def _equal(a: Any, b: Any) -> bool:
    if a is _FAILED or b is _FAILED:
        return False
    return type(a) is type(b) and repr(a) == repr(b)


_RESOLVER = yaml.resolver.Resolver()


def _documents_with(text: str, starts: list[int], words: set[str]) -> set[int]:
    """Indexes of the documents (by their start offsets) whose text contains any of ``words``."""
    positions: list[int] = []
    if len(words) <= 32:
        for word in words:
            at = text.find(word)
            while at != -1:
                positions.append(at)
                at = text.find(word, at + 1)
    else:
        positions = [m.start() for m in _WORD.finditer(text) if m.group() in words]
    return {max(bisect.bisect_right(starts, at) - 1, 0) for at in positions}


_SCALARS = (str, int, float, bool, type(None))
_SCALAR_SET = frozenset(_SCALARS)
_ACCEPTED = _SCALAR_SET | {dict, list}


def _checked(value: Any, depth: int, count: list[int], limits: tuple[int, int]) -> Any:
    """``value`` with keys made text as the builder makes them; refuses what it refuses.

    ``limits`` is ``(MAX_DEPTH, MAX_VALUES)``; ``count`` counts the values as the builder
    does (every key, every value, every item).
    """
    kind = type(value)
    if kind is dict or kind is list:
        if not value:
            return value
        if depth >= limits[0]:
            raise _Refused("too deep")
        count[0] += 2 * len(value) if kind is dict else len(value)
        if count[0] > limits[1]:
            raise _Refused("too many values")
        if kind is dict:
            if set(map(type, value)) != _STR_ONLY:
                value = _text_keys(value)
            items = value.values()
        else:
            items = value
        types = set(map(type, items))
        if types <= _SCALAR_SET:
            return value
        if not types <= _ACCEPTED:
            raise _Refused("value type")
        places = value.items() if kind is dict else enumerate(value)
        for place, item in list(places):
            if type(item) is dict or type(item) is list:
                new = _checked(item, depth + 1, count, limits)
                if new is not item:
                    value[place] = new
        return value
    if kind not in _SCALAR_SET:
        raise _Refused("value type")
    return value


_STR_ONLY = {str}


def _text_keys(value: dict) -> dict:
    """The mapping with every key as text, the way the builder writes keys."""
    out = {}
    for key, item in value.items():
        if type(key) is not str:
            if type(key) not in _SCALAR_SET:
                raise _Refused("key type")  # a list or mapping as a key ("? [a, b]")
            key = str(key).lower() if type(key) is bool else str(key)
        if key in out:
            raise _Refused("duplicate key")  # such as 1 and "1": the builder refuses it
        out[key] = item
    return out
