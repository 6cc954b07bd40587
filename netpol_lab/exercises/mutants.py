"""Variants of a reference answer: the judge proven by the wrong answers it rejects.

A checker that passes the right answer proves little; one that rejects every
answer that differs from it where it matters, and accepts every answer that
only *looks* different, can be trusted. :func:`mutants` rewrites the
reference solution's policies (as manifests, the parsed YAML) systematically:

**Over-permissive and other wrong variants** (the course's typical mistakes):
an extra peer from another namespace, ``podSelector: {}``,
``namespaceSelector: {}``, ``ipBlock 0.0.0.0/0``, a dropped ``ports``, a
widened selector (one ``matchLabels`` key dropped, in a peer or in
``spec.podSelector``), an AND item split into OR items, ``ingress: [{}]`` /
``egress: [{}]``, a dropped policy of a multi-policy answer, DNS egress to any
destination instead of kube-dns; and under-permissive ones: a dropped peer,
port entry or rule.

**Equivalent rewrites** (must pass): items, rules and ports reordered,
``matchLabels`` spelled as ``matchExpressions: In``, one policy split in two,
a named port instead of its number, ``policyTypes`` spelled out.

``tests/test_exercise_mutants.py`` asserts, for every exercise, that a variant
fails exactly when it changes a verdict in scope (outside ``dont_care``) and
that every equivalent passes; ``scripts/mutation_report.py`` prints the counts.

Examples
--------
>>> from netpol_lab.exercises import get_exercise
>>> ex = get_exercise("ingress-01-frontend-only")
>>> kinds = sorted({m.kind for m in mutants(ex)})
>>> "no-ports" in kinds, "named-port" in kinds, "matchExpressions" in kinds
(True, True, True)
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..policy import NetworkPolicy
from .format import Exercise
from .scope import reference_policies

NS_LABEL = "kubernetes.io/metadata.name"
WRONG_KINDS = ("extra-peer-other-namespace", "podSelector-all", "namespaceSelector-all",
               "ipBlock-all", "no-ports", "widened-selector", "widened-pod-selector",
               "and-split-into-or", "rule-allows-all", "dropped-policy", "dns-anywhere",
               "dropped-peer", "dropped-port", "dropped-rule")
EQUIVALENT_KINDS = ("reordered", "matchExpressions", "split-policy", "named-port",
                    "policyTypes-spelled-out")


@dataclass(frozen=True, eq=False)
class Mutant:
    """One variant of the reference answer.

    ``kind`` is one of :data:`WRONG_KINDS` or :data:`EQUIVALENT_KINDS`;
    ``where`` says what was changed; ``equivalent`` is True for a rewrite that
    must not change any verdict; ``manifests`` is the whole answer.
    """

    kind: str
    where: str
    equivalent: bool
    manifests: tuple[dict, ...]


def mutants(exercise: Exercise, reference: list[NetworkPolicy] | None = None
            ) -> Iterator[Mutant]:
    """Yield the variants of ``exercise``'s reference answer (none without a reference)."""
    if reference is None:
        reference = reference_policies(exercise) or []
    base = [p.to_manifest() for p in reference]
    namespaces = sorted(exercise.cluster.namespaces)

    def variant(kind: str, where: str, manifests: list[dict]) -> Mutant:
        return Mutant(kind, where, kind in EQUIVALENT_KINDS, tuple(manifests))

    for i, policy in enumerate(reference):
        name = policy.name
        for direction in ("ingress", "egress"):
            key = "from" if direction == "ingress" else "to"
            rules = base[i]["spec"].get(direction, [])
            for j, rule in enumerate(rules):
                at = f"{name} spec.{direction}[{j}]"
                peers = rule.get(key)
                if peers:
                    other = next((n for n in namespaces if n != policy.namespace), None)
                    extra = {
                        "podSelector-all": {"podSelector": {}},
                        "namespaceSelector-all": {"namespaceSelector": {}},
                        "ipBlock-all": {"ipBlock": {"cidr": "0.0.0.0/0"}},
                    }
                    if other is not None:
                        extra["extra-peer-other-namespace"] = {
                            "namespaceSelector": {"matchLabels": {NS_LABEL: other}}}
                    for kind, peer in extra.items():
                        yield variant(kind, f"{at}.{key}", _edit(
                            base, i, lambda s, d=direction, j=j, p=peer, k=key:
                            s[d][j][k].append(p)))
                    for k, item in enumerate(peers):
                        for sel in ("podSelector", "namespaceSelector"):
                            labels = (item.get(sel) or {}).get("matchLabels") or {}
                            for label in list(labels)[:1]:
                                yield variant("widened-selector", f"{at}.{key}[{k}].{sel}",
                                              _edit(base, i, lambda s, d=direction, j=j, k=k,
                                                    sel=sel, lab=label, kk=key:
                                                    s[d][j][kk][k][sel]["matchLabels"].pop(lab)))
                        if "podSelector" in item and "namespaceSelector" in item:
                            yield variant("and-split-into-or", f"{at}.{key}[{k}]", _edit(
                                base, i, lambda s, d=direction, j=j, k=k, kk=key:
                                _split_item(s[d][j][kk], k)))
                for k in range(len(peers or []) if len(peers or []) > 1 else 0):
                    yield variant("dropped-peer", f"{at}.{key}[{k}]", _edit(
                        base, i, lambda s, d=direction, j=j, k=k, kk=key: s[d][j][kk].pop(k)))
                for k in range(len(rule.get("ports") or []) if len(rule.get("ports") or []) > 1
                               else 0):
                    yield variant("dropped-port", f"{at}.ports[{k}]", _edit(
                        base, i, lambda s, d=direction, j=j, k=k: s[d][j]["ports"].pop(k)))
                if len(rules) > 1:
                    yield variant("dropped-rule", at, _edit(
                        base, i, lambda s, d=direction, j=j: s[d].pop(j)))
                if rule.get("ports"):
                    yield variant("no-ports", f"{at}.ports", _edit(
                        base, i, lambda s, d=direction, j=j: s[d][j].pop("ports")))
                    if direction == "egress" and peers and any(
                            p.get("port") == 53 for p in rule["ports"]):
                        yield variant("dns-anywhere", f"{at}.{key}", _edit(
                            base, i, lambda s, d=direction, j=j, kk=key: s[d][j].pop(kk)))
            in_force = policy.affects_ingress if direction == "ingress" else policy.affects_egress
            if in_force and rules != [{}]:
                yield variant("rule-allows-all", f"{name} spec.{direction}", _edit(
                    base, i, lambda s, d=direction: s.__setitem__(d, [{}])))
        labels = base[i]["spec"]["podSelector"].get("matchLabels") or {}
        for label in list(labels)[:1]:
            yield variant("widened-pod-selector", f"{name} spec.podSelector", _edit(
                base, i, lambda s, lab=label: s["podSelector"]["matchLabels"].pop(lab)))
        if len(base) > 1:
            yield variant("dropped-policy", name, base[:i] + base[i + 1:])
    yield from _equivalents(exercise, reference, base)


def _equivalents(exercise: Exercise, reference: list[NetworkPolicy], base: list[dict]
                 ) -> Iterator[Mutant]:
    def variant(kind: str, where: str, manifests: list[dict]) -> Mutant:
        return Mutant(kind, where, True, tuple(manifests))

    reordered = copy.deepcopy(base)[::-1]
    changed = len(base) > 1
    for manifest in reordered:
        spec = manifest["spec"]
        for direction in ("ingress", "egress"):
            rules = spec.get(direction) or []
            changed |= len(rules) > 1
            rules.reverse()
            for rule in rules:
                for key in ("from", "to", "ports"):
                    if len(rule.get(key) or []) > 1:
                        rule[key].reverse()
                        changed = True
    if changed:
        yield variant("reordered", "every list reversed", reordered)
    expressions = copy.deepcopy(base)
    if _to_expressions(expressions):
        yield variant("matchExpressions", "every matchLabels", expressions)
    for i, policy in enumerate(reference):
        spec = base[i]["spec"]
        rules = [(d, r) for d in ("ingress", "egress") for r in spec.get(d) or []]
        if len(rules) >= 2:
            types = list(_types(policy))
            halves = []
            for part, chosen in (("a", rules[:1]), ("b", rules[1:])):
                half = copy.deepcopy(base[i])
                half["metadata"]["name"] = f"{policy.name}-{part}"
                half["spec"]["policyTypes"] = types
                for d in ("ingress", "egress"):
                    half["spec"].pop(d, None)
                for d, rule in chosen:
                    half["spec"].setdefault(d, []).append(copy.deepcopy(rule))
                halves.append(half)
            yield variant("split-policy", policy.name, base[:i] + halves + base[i + 1:])
        if policy.declared_policy_types is None:
            types = list(_types(policy))
            yield variant("policyTypes-spelled-out", policy.name, _edit(
                base, i, lambda s, t=types: s.__setitem__("policyTypes", t)))
        named = _named_port_variant(exercise, policy, base[i])
        if named is not None:
            yield variant("named-port", f"{policy.name} {named[0]}",
                          [*base[:i], named[1], *base[i + 1:]])


def _types(policy: NetworkPolicy) -> tuple[str, ...]:
    return tuple(t for t, on in (("Ingress", policy.affects_ingress),
                                 ("Egress", policy.affects_egress)) if on)


def _edit(base: list[dict], i: int, change) -> list[dict]:
    """A deep copy of ``base`` with ``change(spec)`` applied to policy ``i``'s spec."""
    out = copy.deepcopy(base)
    change(out[i]["spec"])
    return out


def _split_item(items: list[dict], k: int) -> None:
    item = items.pop(k)
    items[k:k] = [{"namespaceSelector": item["namespaceSelector"]},
                  {"podSelector": item["podSelector"]}]


def _to_expressions(manifests: list[dict]) -> bool:
    """Rewrite every ``matchLabels`` as ``matchExpressions`` with ``In``; True if any."""
    changed = False

    def rewrite(selector: Any) -> None:
        nonlocal changed
        if isinstance(selector, dict) and selector.get("matchLabels"):
            labels = selector.pop("matchLabels")
            selector.setdefault("matchExpressions", [])[:0] = [
                {"key": k, "operator": "In", "values": [v]} for k, v in labels.items()]
            changed = True

    for manifest in manifests:
        spec = manifest["spec"]
        rewrite(spec.get("podSelector"))
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction) or []:
                for peer in rule.get(key) or []:
                    rewrite(peer.get("podSelector"))
                    rewrite(peer.get("namespaceSelector"))
    return changed


def _named_port_variant(exercise: Exercise, policy: NetworkPolicy, manifest: dict
                        ) -> tuple[str, dict] | None:
    """The policy with one ingress port number replaced by the name every selected pod gives it."""
    from ..engine import Scenario

    pods = Scenario(exercise.cluster, [policy]).selected_pods(policy)
    if not pods:
        return None
    for j, rule in enumerate(manifest["spec"].get("ingress") or []):
        for k, port in enumerate(rule.get("ports") or []):
            number, protocol = port.get("port"), port.get("protocol", "TCP")
            if not isinstance(number, int) or "endPort" in port:
                continue
            names = {next((cp.name for cp in pod.ports if cp.port == number
                           and cp.protocol == protocol and cp.name), None) for pod in pods}
            if len(names) == 1 and None not in names:
                out = copy.deepcopy(manifest)
                out["spec"]["ingress"][j]["ports"][k]["port"] = names.pop()
                return f"spec.ingress[{j}].ports[{k}]", out
    return None


@dataclass(frozen=True, eq=False)
class Judged:
    """A mutant, how many verdicts in scope it really changes, and the checker's verdict.

    ``changed`` comes from an oracle independent of :func:`~netpol_lab.exercises.check`'s
    own path: the full-matrix product (``method="matmul"``) or, slower, the
    per-connection engine. The checker is right when it passes exactly the
    mutants that change nothing (:attr:`agrees`).
    """

    mutant: Mutant
    changed: int
    passed: bool

    @property
    def agrees(self) -> bool:
        return (self.changed == 0) == self.passed


def judge(exercise: Exercise, oracle: str = "matmul") -> list[Judged]:
    """Check every mutant of ``exercise`` and count the verdicts it changes in scope.

    ``oracle`` is ``"matmul"`` (the full boolean matrix products of
    :mod:`netpol_lab.reachability`) or ``"engine"``
    (:meth:`Scenario.evaluate <netpol_lab.engine.Scenario.evaluate>` on every
    connection in scope, about ten times slower).
    """
    import numpy as np

    from ..engine import Scenario
    from ..loader import read
    from ..reachability import Reachability
    from .checking import check
    from .scope import expected_traffic, policies_in_force

    expected = expected_traffic(exercise)
    if expected is None:
        return []
    out = []
    for mutant in mutants(exercise):
        loaded = read(list(mutant.manifests))
        policies, _ = policies_in_force(exercise, loaded.policies)
        if oracle == "engine":
            scenario = Scenario(exercise.cluster, policies)
            changed = 0
            for k, (number, protocol) in enumerate(expected.ports):
                for s, d in zip(*np.nonzero(expected.checked[k]), strict=True):
                    verdict = scenario.evaluate(expected.ids[s], expected.ids[d], number,
                                                protocol)
                    changed += verdict.allowed != bool(expected.expected[k, s, d])
        else:
            r = Reachability(exercise.cluster, policies)
            actual = np.stack([r.matrix(port, method="matmul").allowed
                               for port in expected.ports])
            changed = int(((actual != expected.expected) & expected.checked).sum())
        out.append(Judged(mutant, changed, check(exercise, list(mutant.manifests)).passed))
    return out
