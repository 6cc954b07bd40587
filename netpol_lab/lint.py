"""Lint: policies that are valid but rarely what their author meant.

The API server accepts all of these; each is a trap from section 9 of the
semantics reference. Every warning has a stable ``code`` (so a course or a CI
job can refer to it), the policy and field path it is about, the line when the
policy came from text, what is wrong, and how to fix it.

=======  =======================  ==========================================
code     name                     what it catches
=======  =======================  ==========================================
NPL101   podselector-omitted      ``spec.podSelector`` left out (means ``{}``)
NPL102   cidr-host-bits           ``10.1.2.3/8``: means the whole ``10.0.0.0/8``
NPL201   or-of-selectors          separate items, where one ANDed item matches pods too
NPL202   and-of-selectors         one ANDed item that matches no pod, separate items would
NPL301   egress-rules-ignored     ``egress`` rules but ``policyTypes`` lacks Egress
NPL302   ingress-rules-ignored    ``ingress`` rules but ``policyTypes`` lacks Ingress
NPL303   implicit-ingress-deny    egress-only policy without ``policyTypes``
NPL401   egress-without-dns       egress isolation with no DNS allowed
NPL501   selects-nothing          a selector that matches nothing in the cluster
NPL502   namespace-name-label     ``name: X`` where only ``kubernetes.io/metadata.name`` exists
NPL503   namespace-missing        the policy's namespace does not exist
NPL601   named-port-not-exposed   a named port no relevant pod declares
NPL701   ipblock-covers-pods      an ``ipBlock`` that contains pod IPs
NPL801   shadowed-rule            a rule that adds nothing beyond the others
=======  =======================  ==========================================

A warning whose fix is one definite edit carries it as ``suggestion``: the
policy rewritten as the fix says (``None`` when the fix needs a choice only
the author can make). Following a warning therefore means replacing
``warning.policy`` by ``warning.suggestion``. A warning about traffic lists
that traffic in ``connections`` (``"SRC → DST PORT/PROTO"``), so that an
exercise that blocks it on purpose can say so instead of showing the warning.

Examples
--------
>>> from netpol_lab import default_cluster, load_policies
>>> [w.code for w in lint(default_cluster(), load_policies('''
... kind: NetworkPolicy
... metadata: {name: api-egress-only, namespace: production}
... spec:
...   podSelector: {matchLabels: {app: api}}
...   egress:
...     - to: [{podSelector: {matchLabels: {app: database}}}]
... '''))]
['NPL303', 'NPL401']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .engine import Scenario, peer_matches
from .model import NAME_LABEL, Cluster, Pod
from .policy import NetworkPolicy, Peer, PolicyPort, Rule, effective_policy_types
from .selectors import LabelSelector

SHADOW_LIMIT = 400  # endpoints; the shadowed-rule check is quadratic, skip it above this


@dataclass(frozen=True)
class LintWarning:
    """One finding: ``code``, ``severity`` (``warning`` or ``info``), where, what, and the fix.

    ``suggestion`` is the policy with the fix applied, when the fix is one
    definite edit; ``connections`` the traffic the finding is about, if any.
    """

    code: str
    severity: str
    policy: str
    path: str
    message: str
    fix: str
    line: int | None = None
    document: int | None = None
    suggestion: NetworkPolicy | None = field(default=None, compare=False, repr=False)
    connections: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = self.policy + (f" {self.path}" if self.path else "")
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{self.code} {self.severity}: {where}: {self.message} Fix: {self.fix}"

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "policy": self.policy,
                "path": self.path, "line": self.line, "document": self.document,
                "message": self.message, "fix": self.fix,
                "suggestion": None if self.suggestion is None else self.suggestion.to_manifest(),
                "connections": list(self.connections)}


class _Linter:
    def __init__(self, cluster: Cluster | Scenario, policies: Iterable[NetworkPolicy]) -> None:
        self.scenario = cluster if isinstance(cluster, Scenario) else Scenario(cluster, policies)
        self.cluster = self.scenario.cluster
        self.declared_namespaces = set(cluster.cluster.namespaces if isinstance(cluster, Scenario)
                                       else cluster.namespaces)
        self.warnings: list[LintWarning] = []
        self._shadowed: dict[tuple, list[str]] = {}
        self._useful: set[tuple] = set()

    def warn(self, code: str, severity: str, policy: NetworkPolicy, path: tuple, message: str,
             fix: str, suggestion: NetworkPolicy | None = None,
             connections: Iterable[str] = ()) -> None:
        from .documents import format_path

        self.warnings.append(LintWarning(
            code, severity, policy.id, format_path(path), message, fix,
            policy.location.line_of(path), policy.location.number, suggestion,
            tuple(connections),
        ))

    def run(self) -> list[LintWarning]:
        for policy in self.scenario.policies:
            self.check_policy_types(policy)
            self.check_selection(policy)
            for direction in ("ingress", "egress"):
                for i, rule in enumerate(policy.ingress if direction == "ingress" else policy.egress):
                    self.check_rule(policy, direction, i, rule)
        self.check_dns()
        if len(self.cluster.endpoints) <= SHADOW_LIMIT:
            self.check_shadowed()
        return self.warnings

    # -- policyTypes (section 2) -------------------------------------------------
    def check_policy_types(self, p: NetworkPolicy) -> None:
        declared = p.declared_policy_types
        if declared is not None and p.egress and "Egress" not in declared:
            self.warn("NPL301", "warning", p, ("spec", "egress"),
                      f"{len(p.egress)} egress rule(s) are ignored because policyTypes is "
                      f"{list(declared)} without Egress.",
                      "add Egress to policyTypes, or delete the egress rules",
                      _with_types(p, (*declared, "Egress")))
        if declared is not None and p.ingress and "Ingress" not in declared:
            self.warn("NPL302", "warning", p, ("spec", "ingress"),
                      f"{len(p.ingress)} ingress rule(s) are ignored because policyTypes is "
                      f"{list(declared)} without Ingress.",
                      "add Ingress to policyTypes, or delete the ingress rules",
                      _with_types(p, ("Ingress", *declared)))
        if declared is None and p.egress and not p.ingress:
            self.warn("NPL303", "warning", p, ("spec",),
                      "this policy has only egress rules and no policyTypes, so policyTypes "
                      "defaults to [Ingress, Egress]: its pods also become isolated for "
                      "ingress, and it allows no ingress (deny-all ingress).",
                      "write policyTypes: [Egress] if you only meant to restrict egress",
                      _with_types(p, ("Egress",)))

    # -- who is selected (sections 1, 4, 5) -----------------------------------------
    def check_selection(self, p: NetworkPolicy) -> None:
        if p.pod_selector_omitted:
            self.warn("NPL101", "info", p, ("spec", "podSelector"),
                      "spec.podSelector is left out; it means {} (every pod of the namespace). "
                      "Kubernetes accepts this since 2025, older kubectl versions refuse it.",
                      "write podSelector: {} to say 'every pod' explicitly")
        if p.namespace not in self.declared_namespaces and not any(
                pod.namespace == p.namespace for pod in self.cluster.pods):
            self.warn("NPL503", "info", p, ("metadata", "namespace"),
                      f"namespace {p.namespace} does not exist in the cluster (yet), so the "
                      "policy selects no pods.",
                      "check metadata.namespace (a missing namespace means 'default')")
        elif not self.scenario.selected_pods(p):
            self.warn("NPL501", "warning", p, ("spec", "podSelector"),
                      f"spec.podSelector {p.pod_selector} matches no pod in namespace "
                      f"{p.namespace}, so this policy does nothing.",
                      "check the labels for typos (kubectl get pods --show-labels)")

    def check_rule(self, p: NetworkPolicy, direction: str, index: int, rule: Rule) -> None:
        key = "from" if direction == "ingress" else "to"
        base = ("spec", direction, index)
        pod_only = [j for j, peer in enumerate(rule.peers)
                    if peer.pod_selector is not None and peer.namespace_selector is None]
        ns_only = [j for j, peer in enumerate(rule.peers)
                   if peer.namespace_selector is not None and peer.pod_selector is None]
        if pod_only and ns_only:
            self.check_or_of_selectors(p, direction, index, pod_only[0], ns_only[0])
        for j, peer in enumerate(rule.peers):
            path = (*base, key, j)
            if self.check_and_of_selectors(p, direction, index, j):
                continue  # NPL202 already says why this item matches no pod
            self.check_peer_matches_something(p, peer, path)
            if peer.ip_block is not None:
                self.check_ip_block(p, peer, path)
        for j, entry in enumerate(rule.ports):
            if isinstance(entry.port, str):
                self.check_named_port(p, direction, rule, entry.port, entry.protocol,
                                      (*base, "ports", j, "port"))

    def matched_pods(self, p: NetworkPolicy, peer: Peer) -> list[Pod]:
        return [pod for pod in self.cluster.pods
                if peer_matches(peer, p.namespace, pod, self.cluster)]

    def check_or_of_selectors(self, p: NetworkPolicy, direction: str, index: int, i: int,
                              j: int) -> None:
        """NPL201: a podSelector item ORed with a namespaceSelector item (§4).

        Said only when the ANDed item would match pods too: when no pod is
        both (the frontend pods of production OR every pod of monitoring),
        the OR is clearly what was meant and merging would select nothing.
        """
        key = "from" if direction == "ingress" else "to"
        rule = p.rules(direction)[index] if p.rules(direction) else None
        if rule is None:
            return
        a, b = rule.peers[i], rule.peers[j]
        merged = Peer(pod_selector=a.pod_selector, namespace_selector=b.namespace_selector)
        both = self.matched_pods(p, merged)
        if not both:
            return
        peers = [peer for k, peer in enumerate(rule.peers) if k != j]
        peers[peers.index(a)] = merged
        self.warn("NPL201", "info", p, ("spec", direction, index, key),
                  f"{key}[{i}] and {key}[{j}] are separate items, so they are ORed: "
                  f"{a.describe(p.namespace)} OR {b.describe(p.namespace)}.",
                  "if you meant pods matching the podSelector inside those namespaces ("
                  + _pod_list(both) + "), put both selectors in ONE item (no '-' before "
                  "namespaceSelector)",
                  _with_rule(p, direction, index, replace(rule, peers=tuple(peers))))

    def check_and_of_selectors(self, p: NetworkPolicy, direction: str, index: int,
                               j: int) -> bool:
        """NPL202: podSelector AND namespaceSelector in one item that matches no pod (§4).

        An ANDed item that matches pods is the tight, deliberate form (the
        coredns pods of kube-system) and is not reported; one that matches
        nothing while each selector alone would is the classic AND-for-OR
        mistake. Returns whether it was reported.
        """
        key = "from" if direction == "ingress" else "to"
        rule = p.rules(direction)[index] if p.rules(direction) else None
        if rule is None:
            return False
        peer = rule.peers[j]
        if peer.pod_selector is None or peer.namespace_selector is None or (
                peer.pod_selector.is_empty or peer.namespace_selector.is_empty):
            return False
        pods_part = Peer(pod_selector=peer.pod_selector)
        ns_part = Peer(namespace_selector=peer.namespace_selector)
        either = self.matched_pods(p, pods_part) + self.matched_pods(p, ns_part)
        if self.matched_pods(p, peer) or not either:
            return False
        peers = (*rule.peers[:j], pods_part, ns_part, *rule.peers[j + 1:])
        self.warn("NPL202", "warning", p, ("spec", direction, index, key, j),
                  f"podSelector and namespaceSelector are in the same item, so they are "
                  f"ANDed: only {peer.describe(p.namespace)}, and no pod is both. As two "
                  f"items they would match {_pod_list(either)}.",
                  "if you meant either one, start namespaceSelector with its own '-' "
                  "(two items are ORed)",
                  _with_rule(p, direction, index, replace(rule, peers=peers)))
        return True

    def check_peer_matches_something(self, p: NetworkPolicy, peer: Peer, path: tuple) -> None:
        if peer.ip_block is not None:
            return
        ns_sel = peer.namespace_selector
        if ns_sel is not None and not any(ns_sel.matches(ns.labels)
                                          for ns in self.cluster.namespaces.values()):
            names = dict(ns_sel.match_labels)
            value = names.get("name")
            if value is not None and value in self.cluster.namespaces and not any(
                    "name" in ns.labels for ns in self.cluster.namespaces.values()):
                labels = tuple((NAME_LABEL if k == "name" else k, v)
                               for k, v in ns_sel.match_labels)
                fixed = replace(peer, namespace_selector=replace(ns_sel, match_labels=labels))
                self.warn("NPL502", "warning", p, (*path, "namespaceSelector"),
                          f"namespaceSelector name={value} matches no namespace: namespaces "
                          f"here are not labelled 'name', only '{NAME_LABEL}'.",
                          f"use matchLabels: {{{NAME_LABEL}: {value}}}, which every namespace "
                          "carries automatically", _with_peer(p, path, fixed))
            else:
                self.warn("NPL501", "warning", p, (*path, "namespaceSelector"),
                          f"namespaceSelector {ns_sel} matches no namespace in the cluster.",
                          "check the namespace labels (kubectl get ns --show-labels)")
            return
        if not any(peer_matches(peer, p.namespace, pod, self.cluster) for pod in self.cluster.pods):
            self.warn("NPL501", "warning", p, (*path, "podSelector"),
                      f"this peer ({peer.describe(p.namespace)}) matches no pod in the cluster.",
                      "check the labels for typos; without namespaceSelector a podSelector "
                      f"only looks in the policy's own namespace ({p.namespace})")

    def check_ip_block(self, p: NetworkPolicy, peer: Peer, path: tuple) -> None:
        block = peer.ip_block
        if block.host_bits_set:
            self.warn("NPL102", "warning", p, (*path, "ipBlock", "cidr"),
                      f"cidr {block.cidr_text} has host bits set; it means the whole network "
                      f"{block.cidr}.",
                      f"write cidr: {block.cidr} (or /32 or /128 for a single address)")
        covered = [pod for pod in self.cluster.pods if block.contains(pod.ip)]
        if covered:
            hole = self.pod_network_hole(block, covered)
            selector = self.selector_for(covered)
            suggestion = None
            if hole is not None and selector is not None:
                # the portable form of what the lab does: the ipBlock for addresses
                # outside the cluster, a selector for the pods it matched
                _, direction, index, _, j = path
                rule = (p.ingress if direction == "ingress" else p.egress)[index]
                fixed = replace(peer, ip_block=replace(block, except_=(*block.except_, hole)))
                peers = (*rule.peers[:j], fixed, selector, *rule.peers[j + 1:])
                suggestion = _with_rule(p, direction, index, replace(rule, peers=peers))
            self.warn("NPL701", "warning", p, (*path, "ipBlock"),
                      f"ipBlock {block} contains pod IPs ({_pod_list(covered)}). This lab "
                      "matches pod IPs like the upstream [Feature:NetworkPolicy] e2e tests, but "
                      "ipBlock is meant for cluster-external addresses and network plugins differ.",
                      "add the pod network to except"
                      + (f" (here: except: [{hole}])" if hole is not None else "")
                      + ", and if these pods should stay reachable, select them with a "
                      "podSelector/namespaceSelector peer"
                      + (f" ({_peer_flow(selector)})" if selector is not None else ""),
                      suggestion)

    def selector_for(self, pods: list[Pod]) -> Peer | None:
        """A peer that matches exactly ``pods`` by whole namespaces, or None if none does."""
        from .selectors import Requirement

        chosen = {pod.id for pod in pods}
        namespaces = sorted({pod.namespace for pod in pods})
        if any(pod.namespace in namespaces and pod.id not in chosen for pod in self.cluster.pods):
            return None
        if len(namespaces) == len({pod.namespace for pod in self.cluster.pods}):
            return Peer(namespace_selector=LabelSelector())
        return Peer(namespace_selector=LabelSelector(
            match_expressions=(Requirement(NAME_LABEL, "In", tuple(namespaces)),)))

    def pod_network_hole(self, block, covered: list[Pod]):
        """The smallest network inside ``block`` holding every covered pod IP, or None.

        None when that network would also hold an external endpoint the block
        matches (cutting it out would change more than the pods).
        """
        import ipaddress

        def fits(net) -> bool:
            return net.subnet_of(block.cidr) and not any(
                block.contains(ep.ip) and ipaddress.ip_address(ep.ip) in net
                for ep in self.cluster.endpoints if ep.ip and not isinstance(ep, Pod))

        ips = [ipaddress.ip_address(pod.ip) for pod in covered]
        net = ipaddress.ip_network(ips[0])
        while not all(ip in net for ip in ips):
            net = net.supernet()
        if not fits(net):
            return None
        typical = 16 if net.version == 4 else 64  # pod networks are usually a /16 (or /64)
        while net.prefixlen > typical and fits(net.supernet()):
            net = net.supernet()
        return net

    def check_named_port(self, p: NetworkPolicy, direction: str, rule: Rule, name: str,
                         protocol: str, path: tuple) -> None:
        if direction == "ingress":
            pods = self.scenario.selected_pods(p)
            where = "the pods this policy selects"
        else:
            pods = [pod for pod in self.cluster.pods if not rule.peers or any(
                peer_matches(peer, p.namespace, pod, self.cluster) for peer in rule.peers)]
            where = "the destination pods of this rule"
        if not any(cp.name == name and cp.protocol == protocol for pod in pods
                   for cp in pod.ports):
            self.warn("NPL601", "warning", p, path,
                      f"named port {name!r} ({protocol}) is not declared by any of {where}, "
                      "so this entry matches nothing.",
                      "use a containerPort name the destination declares, or the port number")

    # -- DNS (section 9) ------------------------------------------------------------
    def check_dns(self) -> None:
        dns_pods = [pod for pod in self.cluster.pods
                    if any(cp.port == 53 for cp in pod.ports)]
        if not dns_pods:
            return
        found = []
        for p in self.scenario.policies:
            if not p.affects_egress:
                continue
            blocked, connections = [], []
            for pod in self.scenario.selected_pods(p):
                for proto in ("UDP", "TCP"):
                    targets = [d for d in dns_pods if any(
                        cp.port == 53 and cp.protocol == proto for cp in d.ports)] or dns_pods
                    if not any(self.scenario.evaluate(pod, d, 53, proto).egress.allowed
                               for d in targets):
                        blocked.append(f"{pod.id} ({proto})")
                        connections += [f"{pod.id} → {d.id} 53/{proto}" for d in targets]
            if blocked:
                found.append((p, blocked, connections))
        with_rules = {b for p, blocked, _ in found if p.egress for b in blocked}
        for p, blocked, connections in found:
            if not p.egress and set(blocked) <= with_rules:
                continue  # said once, on the policy whose egress rules need the DNS rule
            protocols = {b.rsplit("(", 1)[1].rstrip(")") for b in blocked}
            effect = ("Name lookups that fall back to TCP (answers too large for UDP) will fail."
                      if protocols == {"TCP"} else
                      "Name lookups over UDP (most of them) will fail." if protocols == {"UDP"}
                      else "Name lookups will fail.")
            path = (("spec", "egress") if p.egress else ("spec", "policyTypes")
                    if p.declared_policy_types is not None else ("spec",))
            peer = _dns_peer(dns_pods)
            rule = Rule(peers=(peer,), ports=(PolicyPort("UDP", 53), PolicyPort("TCP", 53)))
            self.warn("NPL401", "warning", p, path,
                      "these pods are isolated for egress and cannot reach DNS on port 53: "
                      + ", ".join(blocked) + ". " + effect,
                      f"add an egress rule to the DNS pods: to: [{_peer_flow(peer)}], ports: "
                      "[{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]",
                      replace(p, egress=(*p.egress, rule)), connections)

    # -- shadowed rules (section 9) ---------------------------------------------------
    def check_shadowed(self) -> None:
        ports = sorted({(cp.port, cp.protocol) for ep in self.cluster.endpoints for cp in ep.ports}
                       | {(e.port, e.protocol) for p in self.scenario.policies
                          for r in (*p.ingress, *p.egress) for e in r.ports
                          if isinstance(e.port, int)}
                       | {(e.end_port, e.protocol) for p in self.scenario.policies
                          for r in (*p.ingress, *p.egress) for e in r.ports if e.end_port})
        endpoints = self.cluster.endpoints
        by_protocol: dict[str, list[int]] = {}
        for number, proto in ports:  # sorted, so each list is sorted
            by_protocol.setdefault(proto, []).append(number)
        covered: dict[int, set | None] = {}  # per rule: the numbered ports it admits
        for direction in ("ingress", "egress"):
            for pod in self.cluster.pods:
                rules = [(pol, i, r) for pol in self.scenario.isolating(pod, direction)
                         for i, r in enumerate(pol.rules(direction))]
                if len(rules) < 2:
                    continue
                sets = []
                for pol, _, r in rules:
                    if id(r) not in covered:
                        covered[id(r)] = _numbered_ports(r, by_protocol)
                    sets.append(self._allowed_set(pod, pol, r, direction, endpoints, ports,
                                                  covered[id(r)]))
                # a rule adds nothing when every connection it allows is allowed by another
                # one: counted once per connection, linear in the rules (not rules x rules)
                count: dict[tuple, int] = {}
                for allowed in sets:
                    for key in allowed:
                        count[key] = count.get(key, 0) + 1
                for k, (pol, i, _) in enumerate(rules):
                    if sets[k] and all(count[key] > 1 for key in sets[k]):
                        self._shadowed.setdefault((pol.id, direction, i), []).append(pod.id)
                    else:
                        self._useful.add((pol.id, direction, i))
        by_id = {p.id: p for p in self.scenario.policies}
        for (pid, direction, i), pods in self._shadowed.items():
            if (pid, direction, i) in self._useful:
                continue
            p = by_id[pid]
            rules = p.ingress if direction == "ingress" else p.egress
            # the policy types are written out, so that deleting the last egress rule
            # cannot change what the policyTypes default means
            without = replace(_with_types(p, p.declared_policy_types or p.policy_types),
                              **{direction: rules[:i] + rules[i + 1:]})
            self.warn("NPL801", "info", p, ("spec", direction, i),
                      f"{direction} rule {i + 1} adds nothing: for "
                      f"{', '.join(sorted(set(pods)))} everything it allows is already allowed "
                      "by other rules (of this or another policy).",
                      "delete the rule, or check whether it was meant to allow something else",
                      without)

    def _allowed_set(self, pod: Pod, policy: NetworkPolicy, rule: Rule, direction: str,
                     endpoints, ports, numbered: set | None) -> set:
        named = {(e.port, e.protocol) for e in rule.ports if isinstance(e.port, str)}
        out = set()
        for remote in endpoints:
            if remote is pod:
                continue
            if rule.peers and not any(peer_matches(peer, policy.namespace, remote, self.cluster)
                                      for peer in rule.peers):
                continue
            dest = pod if direction == "ingress" else remote
            admitted = ports if numbered is None else numbered
            if named and numbered is not None and isinstance(dest, Pod):
                # a named port admits the number the destination declares under that name
                admitted = admitted | {(cp.port, cp.protocol) for cp in dest.ports
                                       if (cp.name, cp.protocol) in named}
            out.update((remote.id, number, proto) for number, proto in admitted)
        return out


def _numbered_ports(rule: Rule, by_protocol: dict[str, list[int]]) -> set | None:
    """The ``(port, protocol)`` pairs of ``by_protocol`` that ``rule``'s numbered entries admit.

    ``None`` means every port (a rule without ``ports``). Each entry is looked
    up by bisection in the sorted port lists, so a rule of 1,000 entries costs
    1,000 look-ups, not 1,000 times the number of ports.
    """
    from bisect import bisect_left, bisect_right

    if not rule.ports:
        return None
    spans: dict[str, list[tuple[int, int]]] = {}
    for entry in rule.ports:
        if isinstance(entry.port, str):
            continue  # named: depends on the destination, see _allowed_set
        low = 0 if entry.port is None else entry.port
        high = 65535 if entry.port is None else entry.end_port or entry.port
        spans.setdefault(entry.protocol, []).append((low, high))
    out: set = set()
    for protocol, ranges in spans.items():
        numbers = by_protocol.get(protocol, [])
        ranges.sort()
        merged = [list(ranges[0])]
        for low, high in ranges[1:]:  # overlapping entries are merged: each port added once
            if low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        for low, high in merged:
            out.update((n, protocol) for n in numbers[bisect_left(numbers, low):
                                                       bisect_right(numbers, high)])
    return out


def _with_types(p: NetworkPolicy, types: tuple[str, ...]) -> NetworkPolicy:
    """``p`` with ``policyTypes`` written out as ``types``."""
    return replace(p, declared_policy_types=types,
                   policy_types=effective_policy_types(types, list(p.egress)))


def _with_rule(p: NetworkPolicy, direction: str, index: int, rule: Rule) -> NetworkPolicy:
    """``p`` with its ``direction`` rule number ``index`` replaced by ``rule``."""
    rules = list(p.ingress if direction == "ingress" else p.egress)
    rules[index] = rule
    return replace(p, **{direction: tuple(rules)})


def _with_peer(p: NetworkPolicy, path: tuple, peer: Peer) -> NetworkPolicy:
    """``p`` with the peer at ``path`` (``spec.<direction>[i].<from|to>[j]``) replaced."""
    _, direction, index, _, j = path[:5]
    rule = (p.ingress if direction == "ingress" else p.egress)[index]
    peers = tuple(peer if k == j else other for k, other in enumerate(rule.peers))
    return _with_rule(p, direction, index, replace(rule, peers=peers))


def _pod_list(pods: list[Pod], limit: int = 3) -> str:
    ids = list(dict.fromkeys(pod.id for pod in pods))
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _dns_peer(dns_pods: list[Pod]) -> Peer:
    """A peer that picks the DNS pods and no other: their namespace AND their shared labels.

    With one namespace, the namespace is picked by the ``kubernetes.io/metadata.name``
    label every namespace carries; the pods by the labels all DNS pods share
    (``k8s-app: kube-dns``). When the pods share no label, or live in several
    namespaces, the peer is widened to what can be said exactly.
    """
    shared = set(dns_pods[0].labels.items())
    for pod in dns_pods[1:]:
        shared &= set(pod.labels.items())
    namespaces = sorted({pod.namespace for pod in dns_pods})
    pods = LabelSelector(match_labels=tuple(sorted(shared))) if shared else None
    if len(namespaces) == 1:
        ns = LabelSelector(match_labels=((NAME_LABEL, namespaces[0]),))
    else:
        from .selectors import Requirement

        ns = LabelSelector(match_expressions=(Requirement(NAME_LABEL, "In", tuple(namespaces)),))
    return Peer(pod_selector=pods, namespace_selector=ns)


def _peer_flow(peer: Peer) -> str:
    """A peer in YAML flow style, as a fix text shows it."""
    import yaml

    return yaml.safe_dump(peer.to_manifest(), default_flow_style=True, width=1000).strip()


def lint(cluster: Cluster | Scenario,
         policies: Iterable[NetworkPolicy] | None = None) -> list[LintWarning]:
    """Find the valid-but-suspicious patterns of section 9 in ``policies`` on ``cluster``.

    ``cluster`` may be an already compiled :class:`~netpol_lab.engine.Scenario`
    (then ``policies`` is not needed), so a front end that has just built the
    traffic table does not compile the same policies twice.

    Returns the warnings in policy order; an empty list means nothing suspicious.
    """
    return _Linter(cluster, policies or ()).run()
