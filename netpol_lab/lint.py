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
NPL201   or-of-selectors          separate items, maybe one ANDed item was meant
NPL202   and-of-selectors         one ANDed item, maybe separate items were meant
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
from dataclasses import dataclass

from .engine import Scenario, peer_matches, port_matches
from .model import NAME_LABEL, Cluster, Pod
from .policy import NetworkPolicy, Peer, Rule

SHADOW_LIMIT = 400  # endpoints; the shadowed-rule check is quadratic, skip it above this


@dataclass(frozen=True)
class LintWarning:
    """One finding: ``code``, ``severity`` (``warning`` or ``info``), where, what, and the fix."""

    code: str
    severity: str
    policy: str
    path: str
    message: str
    fix: str
    line: int | None = None
    document: int | None = None

    def __str__(self) -> str:
        where = self.policy + (f" {self.path}" if self.path else "")
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{self.code} {self.severity}: {where}: {self.message} Fix: {self.fix}"

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "policy": self.policy,
                "path": self.path, "line": self.line, "document": self.document,
                "message": self.message, "fix": self.fix}


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
             fix: str) -> None:
        from .documents import format_path

        self.warnings.append(LintWarning(
            code, severity, policy.id, format_path(path), message, fix,
            policy.location.line_of(path), policy.location.number,
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
                      "add Egress to policyTypes, or delete the egress rules")
        if declared is not None and p.ingress and "Ingress" not in declared:
            self.warn("NPL302", "warning", p, ("spec", "ingress"),
                      f"{len(p.ingress)} ingress rule(s) are ignored because policyTypes is "
                      f"{list(declared)} without Ingress.",
                      "add Ingress to policyTypes, or delete the ingress rules")
        if declared is None and p.egress and not p.ingress:
            self.warn("NPL303", "warning", p, ("spec",),
                      "this policy has only egress rules and no policyTypes, so policyTypes "
                      "defaults to [Ingress, Egress]: its pods also become isolated for "
                      "ingress, and it allows no ingress (deny-all ingress).",
                      "write policyTypes: [Egress] if you only meant to restrict egress")

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
            a, b = rule.peers[pod_only[0]], rule.peers[ns_only[0]]
            self.warn("NPL201", "info", p, (*base, key),
                      f"{key}[{pod_only[0]}] and {key}[{ns_only[0]}] are separate items, so they "
                      f"are ORed: {a.describe(p.namespace)} OR {b.describe(p.namespace)}.",
                      "if you meant pods matching the podSelector inside those namespaces, put "
                      "both selectors in ONE item (no '-' before namespaceSelector)")
        for j, peer in enumerate(rule.peers):
            path = (*base, key, j)
            if peer.pod_selector is not None and peer.namespace_selector is not None and not (
                    peer.pod_selector.is_empty or peer.namespace_selector.is_empty):
                self.warn("NPL202", "info", p, path,
                          f"podSelector and namespaceSelector are in the same item, so they are "
                          f"ANDed: only {peer.describe(p.namespace)}.",
                          "if you meant either one, start namespaceSelector with its own '-' "
                          "(two items are ORed)")
            self.check_peer_matches_something(p, peer, path)
            if peer.ip_block is not None:
                self.check_ip_block(p, peer, path)
        for j, entry in enumerate(rule.ports):
            if isinstance(entry.port, str):
                self.check_named_port(p, direction, rule, entry.port, entry.protocol,
                                      (*base, "ports", j, "port"))

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
                self.warn("NPL502", "warning", p, (*path, "namespaceSelector"),
                          f"namespaceSelector name={value} matches no namespace: namespaces "
                          f"here are not labelled 'name', only '{NAME_LABEL}'.",
                          f"use matchLabels: {{{NAME_LABEL}: {value}}}, which every namespace "
                          "carries automatically")
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
        covered = [pod.id for pod in self.cluster.pods if block.contains(pod.ip)]
        if covered:
            shown = ", ".join(covered[:3]) + (f" and {len(covered) - 3} more"
                                              if len(covered) > 3 else "")
            self.warn("NPL701", "warning", p, (*path, "ipBlock"),
                      f"ipBlock {block} contains pod IPs ({shown}). This lab matches pod IPs "
                      "like the upstream [Feature:NetworkPolicy] e2e tests, but ipBlock is meant for "
                      "cluster-external addresses and network plugins differ.",
                      "select pods with podSelector/namespaceSelector, and add the pod CIDR "
                      "to except if it should not match pods")

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
        for p in self.scenario.policies:
            if not p.affects_egress:
                continue
            blocked = []
            for pod in self.scenario.selected_pods(p):
                for proto in ("UDP", "TCP"):
                    targets = [d for d in dns_pods if any(
                        cp.port == 53 and cp.protocol == proto for cp in d.ports)] or dns_pods
                    if not any(self.scenario.evaluate(pod, d, 53, proto).egress.allowed
                               for d in targets):
                        blocked.append(f"{pod.id} ({proto})")
            if blocked:
                self.warn("NPL401", "warning", p, ("spec", "egress"),
                          "these pods are isolated for egress and cannot reach DNS on port 53: "
                          + ", ".join(blocked) + ". Name lookups will fail.",
                          "add an egress rule to the DNS pods, e.g. to: [{namespaceSelector: "
                          f"{{matchLabels: {{{NAME_LABEL}: kube-system}}}}}}], ports: "
                          "[{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]")

    # -- shadowed rules (section 9) ---------------------------------------------------
    def check_shadowed(self) -> None:
        ports = sorted({(cp.port, cp.protocol) for ep in self.cluster.endpoints for cp in ep.ports}
                       | {(e.port, e.protocol) for p in self.scenario.policies
                          for r in (*p.ingress, *p.egress) for e in r.ports
                          if isinstance(e.port, int)}
                       | {(e.end_port, e.protocol) for p in self.scenario.policies
                          for r in (*p.ingress, *p.egress) for e in r.ports if e.end_port})
        endpoints = self.cluster.endpoints
        for direction in ("ingress", "egress"):
            for pod in self.cluster.pods:
                rules = [(pol, i, r) for pol in self.scenario.isolating(pod, direction)
                         for i, r in enumerate(pol.rules(direction))]
                if len(rules) < 2:
                    continue
                sets = [self._allowed_set(pod, pol, r, direction, endpoints, ports)
                        for pol, i, r in rules]
                for k, (pol, i, _) in enumerate(rules):
                    others = set().union(*(s for m, s in enumerate(sets) if m != k))
                    if sets[k] and sets[k] <= others:
                        self._shadowed.setdefault((pol.id, direction, i), []).append(pod.id)
                    else:
                        self._useful.add((pol.id, direction, i))
        by_id = {p.id: p for p in self.scenario.policies}
        for (pid, direction, i), pods in self._shadowed.items():
            if (pid, direction, i) in self._useful:
                continue
            self.warn("NPL801", "info", by_id[pid], ("spec", direction, i),
                      f"{direction} rule {i + 1} adds nothing: for "
                      f"{', '.join(sorted(set(pods)))} everything it allows is already allowed "
                      "by other rules (of this or another policy).",
                      "delete the rule, or check whether it was meant to allow something else")

    def _allowed_set(self, pod: Pod, policy: NetworkPolicy, rule: Rule, direction: str,
                     endpoints, ports) -> set:
        out = set()
        for remote in endpoints:
            if remote is pod:
                continue
            if rule.peers and not any(peer_matches(peer, policy.namespace, remote, self.cluster)
                                      for peer in rule.peers):
                continue
            dest = pod if direction == "ingress" else remote
            for number, proto in ports:
                if not rule.ports or any(port_matches(e, number, proto, dest) for e in rule.ports):
                    out.add((remote.id, number, proto))
        return out


def lint(cluster: Cluster | Scenario,
         policies: Iterable[NetworkPolicy] | None = None) -> list[LintWarning]:
    """Find the valid-but-suspicious patterns of section 9 in ``policies`` on ``cluster``.

    ``cluster`` may be an already compiled :class:`~netpol_lab.engine.Scenario`
    (then ``policies`` is not needed), so a front end that has just built the
    traffic table does not compile the same policies twice.

    Returns the warnings in policy order; an empty list means nothing suspicious.
    """
    return _Linter(cluster, policies or ()).run()
