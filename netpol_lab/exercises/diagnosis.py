"""Feedback that names the mistake: wrong connections grouped by cause, traps, verified fixes.

A whole scope can have hundreds of wrong connections, but a wrong answer
usually has one or two mistakes. Like a compiler diagnostic (rustc, Elm), a
:class:`Diagnosis` says what went wrong and where in the learner's own YAML,
how many connections it affects with a few examples, names the course's
known trap when the answer falls into one, and suggests the smallest edit
that fixes those connections, checked by re-evaluating the edited policies
on the whole scope.

Everything comes from the engine's :class:`~netpol_lab.engine.Verdict`
(which policy, rule, ``from``/``to`` item and ``ports`` entry decided each
connection) and from the typed policy model, never from the YAML text.

Examples
--------
>>> from netpol_lab.exercises import check, get_exercise
>>> ex = get_exercise("ingress-01-frontend-only")
>>> answer = '''
... kind: NetworkPolicy
... metadata: {name: api-ingress, namespace: production}
... spec:
...   podSelector: {matchLabels: {app: api}}
...   ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}},
...                     {namespaceSelector: {matchLabels: {name: monitoring}}}],
...             ports: [{port: 8080}]}]
... '''
>>> result = check(ex, answer)
>>> for d in result.diagnoses:
...     print(d.cause)
api-ingress, ingress rule 1 (spec.ingress[0]): from[1] admits every pod in namespaces name=monitoring: 1 connection that must stay closed
>>> result.diagnoses[0].examples()
['monitoring/prometheus → production/api 8080/TCP']
>>> print(result.diagnoses[0].suggestion)
remove from[1] from rule 1 of api-ingress (spec.ingress[0].from[1]); checked: it fixes this connection and changes nothing else in scope
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import DirectionVerdict, RuleCheck
from ..model import Pod
from ..policy import NetworkPolicy, Peer, PolicyPort, Rule
from ..selectors import LabelSelector
from .feedback import WrongConnection
from .format import Exercise

EXAMPLES = 3  # example connections named per cause
NS_LABEL = "kubernetes.io/metadata.name"
AND_SPLIT = "AND split into OR"
SUGGESTION_BUDGET = 40  # candidate edits re-evaluated per check (about 5 ms each)
NO_PORTS = " on every port, as the rule has no `ports`"


def _declared(w: WrongConnection) -> bool:
    """True when the destination declares the connection's port (a real service, not a probe)."""
    conn = w.verdict.connection
    return any(cp.port == conn.port and cp.protocol == conn.protocol
               for cp in getattr(conn.destination, "ports", ()))


def _ports_matter(items: list[WrongConnection], expected) -> bool:
    """True when some pair of these connections must be open on another port.

    Then the rule is right about who and wrong about which ports, and "the
    rule has no `ports`" names the mistake; otherwise the peer itself is
    wrong, whatever the ports. Without a reference, ports are named.
    """
    if expected is None:
        return True
    index = {ident: i for i, ident in enumerate(expected.ids)}
    for w in items:
        conn = w.verdict.connection
        s, d = index.get(conn.source.id), index.get(conn.destination.id)
        if s is None or d is None or expected.expected[:, s, d].any():
            return True
    return False


def _dns_server(endpoint) -> bool:
    """A DNS pod: labelled ``k8s-app: kube-dns`` or declaring port 53."""
    return isinstance(endpoint, Pod) and (endpoint.labels.get("k8s-app") == "kube-dns" or any(
        cp.port == 53 for cp in endpoint.ports))


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """One cause of wrong connections, as a structured value every front end renders.

    Attributes
    ----------
    cause : str
        One sentence: which policy, rule and ``from``/``to`` item or port
        admitted the connections (or which isolation failed them), and how
        many connections it affects.
    wrong : tuple of WrongConnection
        The connections of this cause.
    path : str
        Where in the learner's YAML: ``api-ingress spec.ingress[0].from[1]``
        (empty when no field of the answer is to blame).
    trap : str or None
        The course's known trap the answer falls into, and the hint for it.
    suggestion : str or None
        A concrete edit of the learner's own policy that fixes some of these
        connections without changing any other verdict in scope (verified).
    """

    cause: str
    wrong: tuple[WrongConnection, ...]
    path: str = ""
    trap: str | None = None
    suggestion: str | None = None

    @property
    def count(self) -> int:
        return len(self.wrong)

    def examples(self, n: int = EXAMPLES) -> list[str]:
        """``SRC → DST PORT/PROTO`` of the first ``n`` connections."""
        return [w.connection for w in self.wrong[:n]]

    def lines(self) -> list[str]:
        """The diagnosis as text lines (cause, examples, trap, help)."""
        more = f" (and {self.count - EXAMPLES} more)" if self.count > EXAMPLES else ""
        out = [self.cause + ".", "  e.g. " + "; ".join(self.examples()) + more]
        if self.trap:
            out.append(f"  trap: {self.trap}")
        if self.suggestion:
            out.append(f"  help: {self.suggestion}")
        return out

    def to_dict(self) -> dict:
        return {"cause": self.cause, "count": self.count, "path": self.path,
                "examples": self.examples(), "trap": self.trap, "suggestion": self.suggestion}


def diagnose(exercise: Exercise, wrong: Sequence[WrongConnection], own: Sequence[NetworkPolicy],
             in_force: Sequence[NetworkPolicy], expected=None, actual=None,
             reference: Sequence[NetworkPolicy] | None = None) -> list[Diagnosis]:
    """Group ``wrong`` by cause, largest group first, with traps and verified suggestions.

    ``own`` are the learner's policies (the ones edits may touch), ``in_force``
    all policies of the check; ``expected``/``actual`` the scope traffic (a
    :class:`~netpol_lab.exercises.scope.ScopeTraffic` and the learner's
    matrices) when the exercise has a reference, used to verify suggestions;
    ``reference`` the reference's policies in force, used only to pick which
    end of a too-open connection to blame (the end the reference closes).
    """
    from ..engine import Scenario

    own_ids = {p.id for p in own}
    ref_scenario = Scenario(exercise.cluster, reference) if reference is not None else None
    groups: dict[tuple, list[WrongConnection]] = {}
    texts: dict[tuple, tuple[str, str]] = {}
    for w in wrong:
        key, cause, path = _cause(w, own_ids, ref_scenario)
        groups.setdefault(key, []).append(w)
        texts.setdefault(key, (cause, path))
    out = []
    budget = [SUGGESTION_BUDGET]
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        cause, path = texts[key]
        items.sort(key=lambda w: not _declared(w))  # examples on ports that exist first
        if key[0] == "rule" and key[5] is None and not _ports_matter(items, expected):
            cause = cause.replace(NO_PORTS, "")  # the peer is wrong on any port: say that
        n = len(items)
        closed = "must stay closed" if not items[0].expected else "must be open"
        cause = f"{cause}: {n} connection{'s' * (n != 1)} that {closed}"
        trap = _trap(key, items, own, exercise, ref_scenario)
        suggestion = None
        if expected is not None and actual is not None:
            suggestion = _suggest(key, items, exercise, own, in_force, expected, actual,
                                  budget)
        if trap and trap.startswith(AND_SPLIT) and not (suggestion or "").startswith("put "):
            trap = None  # two OR items can be meant; it is the trap only if AND fixes it
        out.append(Diagnosis(cause, tuple(items), path, trap, suggestion))
    return out


# --- causes ---------------------------------------------------------------------------------


def _peer_words(check: RuleCheck) -> str:
    key = "from" if check.direction == "ingress" else "to"
    rule = check.rule
    if check.peer_index is None:
        who = "every source" if check.direction == "ingress" else "every destination"
        peer = f"has no `{key}`, so it admits {who}"
    else:
        peer = (f"{key}[{check.peer_index}] admits "
                f"{rule.peers[check.peer_index].describe(check.policy.namespace)}")
    if check.port_index is None:
        peer += NO_PORTS
    elif _port_named(check):
        peer += f" on ports[{check.port_index}] ({rule.ports[check.port_index]})"
    return peer


def _port_named(check: RuleCheck) -> bool:
    """True when the cause names the ``ports`` entry: a range or a protocol without a port."""
    entry = check.rule.ports[check.port_index]
    return entry.end_port is not None or entry.port is None


def _rule_path(check: RuleCheck) -> str:
    key = "from" if check.direction == "ingress" else "to"
    path = f"{check.policy.name} spec.{check.direction}[{check.index}]"
    if check.peer_index is not None:
        path += f".{key}[{check.peer_index}]"
    return path


def _blame_order(w: WrongConnection, ref_scenario) -> list[DirectionVerdict]:
    """The two directions, the one the reference closes first (ingress first on a tie)."""
    v = w.verdict
    order = [v.ingress, v.egress]
    if ref_scenario is not None:
        try:
            ref = ref_scenario.evaluate(v.connection.source, v.connection.destination,
                                        v.connection.port, v.connection.protocol)
        except Exception:  # pragma: no cover - the reference runs on the same cluster
            return order
        order.sort(key=lambda d: getattr(ref, d.direction).allowed)
    return order


def _cause(w: WrongConnection, own: set[str], ref_scenario) -> tuple[tuple, str, str]:
    v = w.verdict
    if not w.expected:  # allowed, but must stay closed
        directions = [d for d in _blame_order(w, ref_scenario) if d.applies]
        for d in directions:  # a rule of the learner's own policies admitted it
            for check in d.allowed_by:
                if check.policy.id in own:
                    port_key = check.port_index
                    if port_key is not None and not _port_named(check):
                        port_key = -1  # some plain port entry: one cause whatever the protocol
                    return (("rule", check.policy.id, d.direction, check.index,
                             check.peer_index, port_key),
                            f"{check.policy.name}, {d.direction} rule {check.index + 1} "
                            f"(spec.{d.direction}[{check.index}]): {_peer_words(check)}",
                            _rule_path(check))
        for d in directions:
            if not d.isolated:
                verb = "reach it" if d.direction == "ingress" else "leave it"
                return (("open", d.direction, d.endpoint.id),
                        f"{d.endpoint.id} is not isolated for {d.direction} (no policy selects "
                        f"it with {d.direction.capitalize()} in its policyTypes), so anything "
                        f"may {verb}", "")
        check = v.allowed_by[0] if v.allowed_by else None
        if check is not None:
            return (("given", check.policy.id, check.direction, check.index),
                    f"the already applied policy {check.policy.name}, {check.direction} rule "
                    f"{check.index + 1}: {_peer_words(check)}", "")
        return (("other",), "allowed", "")  # pragma: no cover - loopback is never wrong
    denying = [d for d in (v.egress, v.ingress) if d.applies and not d.allowed]
    key = ("denied", tuple((d.direction, tuple(p.id for p in d.isolating)) for d in denying))
    parts = []
    path = ""
    for d in denying:
        names = ", ".join(p.name for p in d.isolating)
        rules = sum(len(p.rules(d.direction)) for p in d.isolating)
        its = "its" if len(d.isolating) == 1 else "their"
        if rules:
            which = (f"{its} only {d.direction} rule does not admit these" if rules == 1 else
                     f"none of {its} {rules} {d.direction} rules admits these")
            parts.append(f"{names} isolate{'s' * (len(d.isolating) == 1)} the "
                         f"{'destination' if d.direction == 'ingress' else 'source'} for "
                         f"{d.direction} and {which}")
        else:
            parts.append(f"{names} isolate{'s' * (len(d.isolating) == 1)} the "
                         f"{'destination' if d.direction == 'ingress' else 'source'} for "
                         f"{d.direction} with no {d.direction} rule")
        mine = [p for p in d.isolating if p.id in own]
        if mine and not path:
            path = f"{mine[0].name} spec.{d.direction}"
    return key, "; ".join(parts), path


# --- traps ---------------------------------------------------------------------------------


def _trap(key: tuple, items: list[WrongConnection], own_policies: Sequence[NetworkPolicy],
          exercise: Exercise, ref_scenario=None) -> str | None:
    own = {p.id for p in own_policies}
    first = items[0].verdict
    if key[0] == "rule":
        d = getattr(first, key[2])
        check = next(c for c in d.allowed_by if c.policy.id == key[1] and c.index == key[3])
        rule = check.rule
        word = "from" if check.direction == "ingress" else "to"
        if check.peer_index is not None:
            peer = rule.peers[check.peer_index]
            if peer.ip_block is not None and isinstance(d.endpoint, Pod) and any(
                    isinstance(getattr(w.verdict.connection, "source" if key[2] == "ingress"
                                       else "destination"), Pod) for w in items):
                return ("ipBlock used for pods: an ipBlock also matches pod IPs, and pod IPs "
                        "change when pods restart. Select pods with podSelector / "
                        "namespaceSelector; keep ipBlock for addresses outside the cluster.")
            if (peer.namespace_selector is not None and peer.namespace_selector.is_empty
                    and (peer.pod_selector is None or peer.pod_selector.is_empty)):
                return (f"Empty namespaceSelector: {word}[{check.peer_index}] is "
                        "`namespaceSelector: {}`, which selects every namespace, so it admits "
                        "every pod of the cluster. A podSelector alone stays in the policy's own "
                        f"namespace ({check.policy.namespace}).")
            alone = ("podSelector" if peer.namespace_selector is None
                     else "namespaceSelector" if peer.pod_selector is None else None)
            if alone and peer.ip_block is None:
                other = next((j for j, p in enumerate(rule.peers) if j != check.peer_index
                              and p.ip_block is None and (
                                  (p.namespace_selector is None) != (alone == "podSelector"))),
                             None)
                if other is not None:
                    a, b = sorted((check.peer_index, other))
                    return (f"{AND_SPLIT}: {word}[{a}] and {word}[{b}] "
                            "are two items of the list, and each item admits on its own (OR). "
                            "To require both (these pods in those namespaces), put "
                            "namespaceSelector and podSelector in ONE item: no `-` before the "
                            "second selector.")
        if check.peer_index is None:
            return (f"Empty rule: a rule without `{word}` admits every "
                    f"{'source' if key[2] == 'ingress' else 'destination'}"
                    + (" on every port (it has no `ports` either): `- {}` allows everything"
                       if check.port_index is None else "")
                    + f", while `{key[2]}: []` (an empty list) allows nothing.")
        if check.port_index is not None:
            entry = rule.ports[check.port_index]
            if entry.end_port is not None:
                return (f"endPort: ports[{check.port_index}] is the whole range "
                        f"{entry.port}-{entry.end_port}, which includes "
                        f"{first.connection.port}; a range is inclusive at both ends.")
        return None
    if key[0] == "open":
        direction = key[1]
        ends = {getattr(w.verdict, direction).endpoint for w in items}
        for policy in own_policies:
            if getattr(policy, direction) and not (
                    policy.affects_egress if direction == "egress" else policy.affects_ingress
            ) and any(_selects(policy, ep) for ep in ends):
                return (f"policyTypes: {policy.name} has {direction} rules, but its "
                        f"policyTypes {list(policy.policy_types)} leave "
                        f"{direction.capitalize()} out, so those rules are ignored and "
                        f"{direction} stays open. Add {direction.capitalize()} to policyTypes.")
        for policy in own_policies:
            elsewhere = [ep for ep in ends if isinstance(ep, Pod)
                         and ep.namespace != policy.namespace
                         and policy.pod_selector.matches(ep.labels)]
            if elsewhere and not any(_selects(policy, ep) for ep in ends):
                return (f"Wrong namespace: {policy.name} is in namespace {policy.namespace}, "
                        f"and a policy only selects pods of its own namespace, so it does not "
                        f"isolate {elsewhere[0].id}. Set metadata.namespace to "
                        f"{elsewhere[0].namespace}.")
        return None
    if key[0] != "denied":
        return None
    conn = first.connection
    denying = [d for d in (first.egress, first.ingress) if d.applies and not d.allowed]
    for d in denying:
        for policy in d.isolating:
            if policy.id in own:
                for trap, _words, _edited in _typos(policy, d.direction, exercise):
                    return trap
    for d in denying:
        for policy in d.isolating:
            if policy.id not in own:
                continue
            if (d.direction == "ingress" and policy.declared_policy_types is not None
                    and not policy.ingress and policy.egress and not policy.affects_egress):
                return (f"policyTypes: {policy.name} has egress rules but policyTypes "
                        f"{list(policy.policy_types)}: it isolates its pods for ingress, with "
                        "no ingress rule, and its egress rules are ignored. Write "
                        "`policyTypes: [Egress]`.")
            if (d.direction == "ingress" and policy.declared_policy_types is None
                    and not policy.ingress and not policy.egress):
                return (f"policyTypes default: {policy.name} has no policyTypes and no egress "
                        "rules, so Kubernetes makes it an Ingress policy: it isolates its pods "
                        "for ingress (allowing nothing) and leaves egress open. To block egress, "
                        "write `policyTypes: [Egress]`.")
            if (d.direction == "ingress" and policy.declared_policy_types is None
                    and not policy.ingress and policy.egress):
                return (f"policyTypes default: {policy.name} has no policyTypes, so Kubernetes "
                        "gives it [Ingress, Egress] (Ingress always, Egress because it has "
                        "egress rules): it also isolates its pods for ingress, with no ingress "
                        "rule. Write `policyTypes: [Egress]`.")
    trap = _missing_namespace_selector(conn, denying, own)
    if trap:
        return trap
    for d in denying:
        mine = [p for p in d.isolating if p.id in own]
        if d.direction == "egress" and mine and ref_scenario is not None and not (
                ref_scenario.evaluate(conn.source, conn.destination, conn.port,
                                      conn.protocol).egress.isolated):
            names = " and ".join(p.name for p in mine)
            return (f"Egress not asked for: {names} isolate{'s' * (len(mine) == 1)} "
                    f"{d.endpoint.id} for egress (Egress in policyTypes), which the exercise "
                    f"does not ask for, so {d.endpoint.id} may now send only what egress rules "
                    "allow. Restrict egress only where the statement asks for it.")
    if (any(d.direction == "egress" for d in denying) and conn.port == 53
            and _dns_server(conn.destination)):
        return ("DNS forgotten: once a pod is isolated for egress, its DNS lookups are blocked "
                f"too. Allow egress to the DNS pods ({conn.destination.id}) on UDP and TCP "
                "53.")
    if len(denying) == 1:
        d = denying[0]
        other = first.egress if d.direction == "ingress" else first.ingress
        if other.applies and other.isolated and other.allowed:
            where = ("the source lets it out" if other.direction == "egress"
                     else "the destination lets it in")
            return (f"Both ends must allow: {where} ({other.allowed_by[0].label}), but "
                    f"{d.endpoint.id} is isolated for {d.direction} and nothing there admits "
                    "it. Add a rule at that end too.")
    for d in denying:
        for policy in d.isolating:
            if policy.id not in own:
                continue
            for i, rule in enumerate(policy.rules(d.direction)):
                for entry in rule.ports:
                    dst = conn.destination
                    if isinstance(entry.port, str) and isinstance(dst, Pod) and not any(
                            cp.name == entry.port and cp.protocol == entry.protocol
                            for cp in dst.ports):
                        declared = ", ".join(str(cp) for cp in dst.ports) or "no ports"
                        return (f"Named port: {policy.name} rule {i + 1} names the port "
                                f"{entry.port!r}, which {dst.id} does not declare ({declared}); "
                                "a named port only matches pods that declare that name.")
                    if (entry.end_port is not None and isinstance(entry.port, int)
                            and entry.protocol == conn.protocol
                            and not entry.port <= conn.port <= entry.end_port):
                        return (f"endPort: {policy.name} rule {i + 1}'s range "
                                f"{entry.port}-{entry.end_port} does not include {conn.port}.")
    return None


def _missing_namespace_selector(conn, denying: list[DirectionVerdict], own: set[str]
                                ) -> str | None:
    """The trap of a podSelector alone that matches the other end, in another namespace."""
    for d in denying:
        remote = conn.source if d.direction == "ingress" else conn.destination
        if not isinstance(remote, Pod):
            continue
        for policy in d.isolating:
            if policy.id not in own or remote.namespace == policy.namespace:
                continue
            for i, rule in enumerate(policy.rules(d.direction)):
                for k, peer in enumerate(rule.peers):
                    if (peer.namespace_selector is None and peer.ip_block is None
                            and peer.pod_selector is not None
                            and not peer.pod_selector.is_empty
                            and peer.pod_selector.matches(remote.labels)):
                        word = "from" if d.direction == "ingress" else "to"
                        return (f"Missing namespaceSelector: {policy.name} rule {i + 1}'s "
                                f"{word}[{k}] has a podSelector alone, which only picks pods of "
                                f"the policy's own namespace ({policy.namespace}); "
                                f"{remote.id} is in {remote.namespace}. Add a namespaceSelector "
                                "to the same item.")
    return None


def _typos(policy: NetworkPolicy, direction: str, exercise: Exercise):
    """Peers whose ``matchLabels`` no pod (or namespace) of the cluster has, with a close fix.

    Yields ``(trap sentence, edit in words, edited policy)``: a value with a close
    value for the same key (a typo), a key that no object has while the value is
    there under another key (``name: monitoring`` for
    ``kubernetes.io/metadata.name``), or a podSelector label only a namespace has.
    """
    import difflib

    cluster = exercise.cluster
    known = {"podSelector": [p.labels for p in cluster.pods],
             "namespaceSelector": [cluster.namespace_labels(n) for n in cluster.namespaces]}
    for i, rule in enumerate(getattr(policy, direction)):
        word = "from" if direction == "ingress" else "to"
        for k, peer in enumerate(rule.peers):
            where = (f"{policy.name} rule {i + 1}'s {word}[{k}]",
                     f"(spec.{direction}[{i}].{word}[{k}])")
            for kind, selector in (("podSelector", peer.pod_selector),
                                   ("namespaceSelector", peer.namespace_selector)):
                if selector is None or any(selector.matches(labels) for labels in known[kind]):
                    continue
                what = "pod" if kind == "podSelector" else "namespace"
                field = "pod_selector" if kind == "podSelector" else "namespace_selector"

                def edited(new: LabelSelector | None, field=field, peer=peer, k=k, i=i,
                           rule=rule, **more) -> NetworkPolicy:
                    peers = list(rule.peers)
                    peers[k] = dataclasses.replace(peer, **{field: new}, **more)
                    return _replace_rule(policy, direction, i, Rule(tuple(peers), rule.ports))

                for label, value in selector.match_labels:
                    if any(labels.get(label) == value for labels in known[kind]):
                        continue
                    values = sorted({lab[label] for lab in known[kind] if label in lab})
                    close = difflib.get_close_matches(value, values, n=1, cutoff=0.6)
                    other_keys = sorted({key for lab in known[kind] for key, v in lab.items()
                                         if v == value and key != label})
                    swap = dict(selector.match_labels)
                    if close:
                        swap[label] = close[0]
                        yield (f"Selector typo: {where[0]} {kind} asks for {label}={value}, "
                               f"which no {what} of the cluster has (did you mean "
                               f"{label}={close[0]}?). A selector that matches nothing admits "
                               "nothing.",
                               f"change {label}: {value} to {label}: {close[0]} in the "
                               f"{kind} of {where[0]} {where[1]}",
                               edited(LabelSelector(tuple(swap.items()),
                                                    selector.match_expressions)))
                    elif other_keys:
                        swap.pop(label)
                        swap[other_keys[0]] = value
                        yield (f"Label key: {where[0]} {kind} asks for {label}={value}, but no "
                               f"{what} has the label {label!r}; {value} is the value of "
                               f"{other_keys[0]} (which Kubernetes sets on every namespace)."
                               if kind == "namespaceSelector" else
                               f"Label key: {where[0]} {kind} asks for {label}={value}, but no "
                               f"pod has the label {label!r}; {value} is the value of "
                               f"{other_keys[0]}.",
                               f"use the key {other_keys[0]} instead of {label} in the {kind} "
                               f"of {where[0]} {where[1]}",
                               edited(LabelSelector(tuple(swap.items()),
                                                    selector.match_expressions)))
                    elif kind == "podSelector" and peer.namespace_selector is None and any(
                            lab.get(label) == value for lab in known["namespaceSelector"]):
                        yield (f"Pod or namespace: {where[0]} has a podSelector {label}={value}, "
                               "but that is a namespace's label, not a pod's. To admit every "
                               "pod of that namespace, write namespaceSelector instead of "
                               "podSelector.",
                               f"write namespaceSelector instead of podSelector in {where[0]} "
                               f"{where[1]}",
                               edited(None, namespace_selector=selector))


def _selects(policy: NetworkPolicy, endpoint) -> bool:
    return (isinstance(endpoint, Pod) and endpoint.namespace == policy.namespace
            and policy.pod_selector.matches(endpoint.labels))


# --- suggestions -------------------------------------------------------------------------


def _suggest(key: tuple, items: list[WrongConnection], exercise: Exercise,
             own: Sequence[NetworkPolicy], in_force: Sequence[NetworkPolicy], expected, actual,
             budget: list[int]) -> str | None:
    """The first candidate edit that fixes some of ``items`` and breaks nothing in scope."""
    candidates = list(_candidates(key, items, own, exercise))
    if not candidates:
        return None
    from .scope import traffic

    wrong_before = (actual != expected.expected) & expected.checked
    index = {ident: i for i, ident in enumerate(expected.ids)}
    ports = {port: k for k, port in enumerate(expected.ports)}
    targets = [(ports.get((w.verdict.connection.port, w.verdict.connection.protocol)),
                index.get(w.verdict.connection.source.id),
                index.get(w.verdict.connection.destination.id)) for w in items]
    targets = [t for t in targets if None not in t]
    best = None
    for words, policy in candidates[:12]:
        if budget[0] <= 0:  # a check stays fast for live use: the largest causes go first
            break
        budget[0] -= 1
        policies = [policy if p.id == policy.id else p for p in in_force]
        _, after = traffic(exercise, policies, expected.ports)
        wrong_after = (after != expected.expected) & expected.checked
        if (wrong_after & ~wrong_before).any():
            continue  # breaks a connection that was right
        fixed = sum(not wrong_after[t] for t in targets)
        if fixed and (best is None or fixed > best[0]):
            best = (fixed, words)
            if fixed == len(targets):
                break
    if best is None:
        return None
    fixed, words = best
    what = (f"these {fixed} connections" if fixed == len(targets) and fixed > 1
            else "this connection" if fixed == 1 and len(targets) == 1
            else f"{fixed} of these {len(targets)} connections")
    return f"{words}; checked: it fixes {what} and changes nothing else in scope"


def _replace_rule(policy: NetworkPolicy, direction: str, i: int, rule: Rule) -> NetworkPolicy:
    rules = list(policy.rules(direction))
    rules[i] = rule
    return dataclasses.replace(policy, **{direction: tuple(rules)})


def _candidates(key: tuple, items: list[WrongConnection], own: Sequence[NetworkPolicy],
                exercise: Exercise):
    """``(words, edited policy)`` pairs, smallest edits first."""
    by_id = {p.id: p for p in own}
    first = items[0].verdict
    if key[0] == "rule":
        _, policy_id, direction, i, k, port_index = key
        policy = by_id[policy_id]
        rule = policy.rules(direction)[i]
        word = "from" if direction == "ingress" else "to"
        where = f"spec.{direction}[{i}]"
        if k is not None:
            peer = rule.peers[k]
            alone_pod = peer.namespace_selector is None and peer.pod_selector is not None
            for j, other in enumerate(rule.peers):
                if j == k or other.ip_block is not None or peer.ip_block is not None:
                    continue
                if alone_pod and other.pod_selector is None and other.namespace_selector:
                    merged = Peer(peer.pod_selector, other.namespace_selector)
                elif (peer.pod_selector is None and peer.namespace_selector is not None
                      and other.namespace_selector is None and other.pod_selector is not None):
                    merged = Peer(other.pod_selector, peer.namespace_selector)
                else:
                    continue
                peers = [p for n, p in enumerate(rule.peers) if n not in (j, k)]
                peers.insert(min(j, k), merged)
                yield (f"put {word}[{min(j, k)}] and {word}[{max(j, k)}] of rule {i + 1} of "
                       f"{policy.name} in one item ({where}.{word}), so that both selectors "
                       "must match", _replace_rule(policy, direction, i,
                                                  Rule(tuple(peers), rule.ports)))
            if len(rule.peers) > 1:
                peers = tuple(p for n, p in enumerate(rule.peers) if n != k)
                yield (f"remove {word}[{k}] from rule {i + 1} of {policy.name} "
                       f"({where}.{word}[{k}])",
                       _replace_rule(policy, direction, i, Rule(peers, rule.ports)))
        if port_index is None:
            declared = []
            for w in items:
                dst = w.verdict.connection.destination
                declared += [(cp.port, cp.protocol) for cp in getattr(dst, "ports", ())]
            for number, protocol in dict.fromkeys(declared):
                yield (f"add `ports: [{{protocol: {protocol}, port: {number}}}]` to rule {i + 1} "
                       f"of {policy.name} ({where})",
                       _replace_rule(policy, direction, i,
                                     Rule(rule.peers, (PolicyPort(protocol, number),))))
        return
    if key[0] == "open":
        direction = key[1]
        for policy in own:
            if getattr(policy, direction) and direction.capitalize() not in policy.policy_types:
                types = tuple(t for t in ("Ingress", "Egress")
                              if t in policy.policy_types or t == direction.capitalize())
                yield (f"write `policyTypes: [{', '.join(types)}]` in {policy.name}",
                       dataclasses.replace(policy, policy_types=types,
                                           declared_policy_types=types))
        return
    if key[0] != "denied":
        return
    conn = first.connection
    for d in (first.egress, first.ingress):
        if not d.applies or d.allowed:
            continue
        for policy in d.isolating:
            if policy.id in by_id:
                for _trap_text, words, edited in _typos(policy, d.direction, exercise):
                    yield words, edited
        remote = conn.source if d.direction == "ingress" else conn.destination
        word = "from" if d.direction == "ingress" else "to"
        for policy in d.isolating:
            if policy.id not in by_id:
                continue
            if (d.direction == "egress" and not policy.egress
                    and "Ingress" in policy.policy_types):
                yield (f"write `policyTypes: [Ingress]` in {policy.name}",
                       dataclasses.replace(policy, policy_types=("Ingress",),
                                           declared_policy_types=("Ingress",)))
            if d.direction == "ingress" and not policy.ingress and (
                    policy.egress or policy.declared_policy_types is None):
                yield (f"write `policyTypes: [Egress]` in {policy.name}",
                       dataclasses.replace(policy, policy_types=("Egress",),
                                           declared_policy_types=("Egress",)))
            for check in d.checks:
                if check.policy.id != policy.id:
                    continue
                rule = check.rule
                where = f"spec.{d.direction}[{check.index}]"
                if check.peer_matches and not check.port_matches:
                    yield (f"add `{{protocol: {conn.protocol}, port: {conn.port}}}` to the ports "
                           f"of rule {check.index + 1} of {policy.name} ({where}.ports)",
                           _replace_rule(policy, d.direction, check.index, Rule(
                               rule.peers, (*rule.ports, PolicyPort(conn.protocol, conn.port)))))
                if check.port_matches and not check.peer_matches and isinstance(remote, Pod):
                    for k, peer in enumerate(rule.peers):
                        if (peer.namespace_selector is None and peer.ip_block is None
                                and peer.pod_selector is not None
                                and peer.pod_selector.matches(remote.labels)
                                and remote.namespace != policy.namespace):
                            ns = LabelSelector(((NS_LABEL, remote.namespace),))
                            peers = list(rule.peers)
                            peers[k] = Peer(peer.pod_selector, ns)
                            yield (f"add `namespaceSelector: {{matchLabels: {{{NS_LABEL}: "
                                   f"{remote.namespace}}}}}` to {word}[{k}] of rule "
                                   f"{check.index + 1} of {policy.name} ({where}.{word}[{k}]), "
                                   "in the same item as its podSelector",
                                   _replace_rule(policy, d.direction, check.index,
                                                 Rule(tuple(peers), rule.ports)))
