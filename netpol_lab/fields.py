"""Checks on single fields, with errors that name the field path.

Kubernetes validates names, labels and field types the same way for every
object; these checks are shared by policies (:mod:`netpol_lab.policy`),
selectors (:mod:`netpol_lab.selectors`) and the cluster model
(:mod:`netpol_lab.model`). Each raises :class:`~netpol_lab.errors.ValidationError`
with the field path; the loader adds the document and line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from .documents import excerpt, format_path
from .errors import ValidationError

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
# Matched with fullmatch: "$" alone would let a trailing newline through ("api\n").
# An IANA service name, as Kubernetes validates named ports.
PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def fail(path: tuple, message: str, expected: str | None = None, example: str | None = None):
    """Raise a :class:`ValidationError` at ``path``.

    The error also keeps ``path`` as a tuple in ``key_path``: the text form is
    ambiguous for label keys with dots (``app.kubernetes.io/name``), and the
    loader needs the exact keys to find the line.
    """
    error = ValidationError(message, path=format_path(path), expected=expected, example=example)
    error.key_path = tuple(path)
    raise error


def type_name(value: Any) -> str:
    """How a YAML value reads to a learner: 'a list', 'a string', 'nothing'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {excerpt(value)}"
    if isinstance(value, (int, float)):
        return f"the number {excerpt(value)}"
    return f"a {type(value).__name__}"


def mapping(value: Any, path: tuple, example: str | None = None, allow_null: bool = True) -> dict:
    """``value`` as a mapping; ``null`` counts as an empty mapping (as in Kubernetes)."""
    if value is None and allow_null:
        return {}
    if not isinstance(value, dict):
        fail(path, f"expected a mapping (key: value pairs) but found {type_name(value)}",
             "a mapping", example)
    return value


def sequence(value: Any, path: tuple, example: str | None = None) -> list:
    """``value`` as a list; ``null`` counts as an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        hint = " (list items start with '- ')" if isinstance(value, (dict, str)) else ""
        fail(path, f"expected a list but found {type_name(value)}{hint}", "a list", example)
    return value


def string(value: Any, path: tuple, example: str | None = None) -> str:
    """``value`` as a string (YAML numbers and booleans are refused, as the API does)."""
    if not isinstance(value, str):
        fail(path, f"expected a string but found {type_name(value)}",
             "a string (quote values like \"true\" or \"8080\")", example)
    return value


def integer(value: Any, path: tuple, low: int, high: int, example: str | None = None) -> int:
    """``value`` as an integer in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(path, f"expected a whole number but found {type_name(value)}",
             f"a number from {low} to {high}", example)
    if not low <= value <= high:
        fail(path, f"{excerpt(value)} is out of range", f"a number from {low} to {high}", example)
    return value


def known_fields(data: dict, path: tuple, allowed: Iterable[str], example: str | None = None) -> None:
    """Refuse fields the API does not know (kubectl's strict validation), suggesting a fix."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            lowered = [a for a in allowed if a.lower() == str(key).lower()]
            guess = lowered or close
            selectors = ("podSelector", "namespaceSelector")
            nested = (key in selectors and path and path[-1] in selectors
                      and any(part in ("from", "to") for part in path))
            fail((*path, key), f"unknown field {excerpt(key)}"
                 + (f"; did you mean {guess[0]!r}?" if guess else "")
                 + (f"; to AND it with the {path[-1]}, write {key} at the same indentation "
                    f"as {path[-1]}, in the same item (no dash)" if nested else ""),
                 "one of " + ", ".join(allowed), example)


def dns_label(value: Any, path: tuple, what: str) -> str:
    """A lowercase RFC 1123 label (namespace names): at most 63 characters."""
    value = string(value, path)
    if len(value) > 63 or not DNS_LABEL.fullmatch(value):
        fail(path, f"{excerpt(value)} is not a valid {what}",
             "lowercase letters, digits and '-', starting and ending with a letter or digit, "
             "at most 63 characters", "production")
    return value


def dns_subdomain(value: Any, path: tuple, what: str) -> str:
    """A lowercase RFC 1123 subdomain (object names): at most 253 characters."""
    value = string(value, path)
    if len(value) > 253 or not DNS_SUBDOMAIN.fullmatch(value):
        fail(path, f"{excerpt(value)} is not a valid {what}",
             "lowercase letters, digits, '-' and '.', starting and ending with a letter or "
             "digit, at most 253 characters", "api-ingress")
    return value


def label_key(value: Any, path: tuple) -> str:
    """A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63."""
    value = string(value, path)
    prefix, slash, name = value.rpartition("/")
    ok = bool(name) and len(name) <= 63 and LABEL_NAME.fullmatch(name)
    if slash:
        ok = ok and bool(prefix) and len(prefix) <= 253 and bool(DNS_SUBDOMAIN.fullmatch(prefix))
    if not ok:
        fail(path, f"{excerpt(value)} is not a valid label key",
             "an optional prefix such as 'kubernetes.io/' then letters, digits, '-', '_' "
             "or '.', starting and ending with a letter or digit, at most 63 characters",
             "app.kubernetes.io/name")
    return value


def label_value(value: Any, path: tuple) -> str:
    """A label value: empty, or at most 63 letters, digits, '-', '_', '.'."""
    if isinstance(value, (bool, int, float)) and not isinstance(value, str):
        shown = str(value).lower() if isinstance(value, bool) else excerpt(value)
        fail(path, f"label values are strings, but {shown} was read as {type_name(value)}",
             f'a quoted string: "{shown}"', f'tier: "{shown}"')
    value = string(value, path)
    if value and (len(value) > 63 or not LABEL_NAME.fullmatch(value)):
        fail(path, f"{excerpt(value)} is not a valid label value",
             "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
             "or digit (or empty)", "frontend")
    return value


def labels(value: Any, path: tuple) -> dict[str, str]:
    """A ``key: value`` label map, each key and value checked."""
    data = mapping(value, path, "labels:\n  app: api")
    return {label_key(k, (*path, k)): label_value(v, (*path, k)) for k, v in data.items()}
