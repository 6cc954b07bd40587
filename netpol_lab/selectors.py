"""Label selectors: which objects a ``podSelector`` or ``namespaceSelector`` picks.

A selector has ``matchLabels`` (every pair must be present) and
``matchExpressions`` (every requirement must hold); both parts are ANDed, and
an empty selector ``{}`` matches everything (semantics reference, section 5).

Examples
--------
>>> sel = parse_selector({"matchLabels": {"app": "api"},
...                       "matchExpressions": [{"key": "tier", "operator": "NotIn",
...                                             "values": ["db"]}]}, ("podSelector",))
>>> str(sel)
'app=api,tier notin (db)'
>>> sel.matches({"app": "api"})        # NotIn also matches a pod lacking the key
True
>>> sel.matches({"app": "api", "tier": "db"})
False
>>> parse_selector({}, ("podSelector",)).matches({"anything": "x"})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import fields
from .documents import excerpt

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry: ``key``, ``operator`` and ``values``.

    ``In``/``NotIn`` need at least one value; ``Exists``/``DoesNotExist`` take
    none. ``NotIn`` and ``DoesNotExist`` match objects that lack the key.
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with these labels satisfies the requirement."""
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        return f"{self.key} {self.operator.lower()} ({','.join(self.values)})"

    def to_manifest(self) -> dict:
        out: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector; ``LabelSelector()`` is the empty one, matching all."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True for ``{}``: the selector matches every object."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with ``labels`` is selected (matchLabels AND matchExpressions)."""
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        parts += [str(r) for r in self.match_expressions]
        return ",".join(parts) if parts else "{} (everything)"

    def to_manifest(self) -> dict:
        out: dict[str, Any] = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [r.to_manifest() for r in self.match_expressions]
        return out


SELECTOR_EXAMPLE = "podSelector:\n  matchLabels:\n    app: frontend"
EXPRESSION_EXAMPLE = "matchExpressions:\n  - key: tier\n    operator: In\n    values: [web, api]"


def parse_selector(value: Any, path: tuple) -> LabelSelector:
    """Read a selector mapping, validating it as the API server does."""
    data = fields.mapping(value, path, SELECTOR_EXAMPLE)
    fields.known_fields(data, path, ("matchLabels", "matchExpressions"), SELECTOR_EXAMPLE)
    match_labels = fields.labels(data.get("matchLabels"), (*path, "matchLabels"))
    expressions = []
    items = fields.sequence(data.get("matchExpressions"), (*path, "matchExpressions"),
                            EXPRESSION_EXAMPLE)
    for i, item in enumerate(items):
        expressions.append(_parse_requirement(item, (*path, "matchExpressions", i)))
    return LabelSelector(tuple(match_labels.items()), tuple(expressions))


def _parse_requirement(value: Any, path: tuple) -> Requirement:
    data = fields.mapping(value, path, EXPRESSION_EXAMPLE, allow_null=False)
    fields.known_fields(data, path, ("key", "operator", "values"), EXPRESSION_EXAMPLE)
    if "key" not in data:
        fields.fail((*path, "key"), "a match expression needs a key", "a label key",
                    EXPRESSION_EXAMPLE)
    key = fields.label_key(data["key"], (*path, "key"))
    if "operator" not in data:
        fields.fail((*path, "operator"), "a match expression needs an operator",
                    "one of In, NotIn, Exists, DoesNotExist", EXPRESSION_EXAMPLE)
    operator = fields.string(data["operator"], (*path, "operator"))
    if operator not in OPERATORS:
        guess = [op for op in OPERATORS if op.lower() == operator.lower()]
        fields.fail((*path, "operator"), f"{excerpt(operator)} is not a valid operator"
                    + (f" (operators are case-sensitive: {guess[0]!r})" if guess else ""),
                    "one of In, NotIn, Exists, DoesNotExist", EXPRESSION_EXAMPLE)
    raw_values = fields.sequence(data.get("values"), (*path, "values"), EXPRESSION_EXAMPLE)
    values = tuple(fields.label_value(v, (*path, "values", i)) for i, v in enumerate(raw_values))
    if operator in ("In", "NotIn") and not values:
        fields.fail((*path, "values"), f"operator {operator} needs at least one value",
                    "a non-empty list of values", EXPRESSION_EXAMPLE)
    if operator in ("Exists", "DoesNotExist") and values:
        fields.fail((*path, "values"), f"operator {operator} takes no values",
                    "no 'values' field", f"matchExpressions:\n  - key: {key}\n    operator: "
                    f"{operator}")
    return Requirement(key, operator, values)
