"""Generate seeded, realistic clusters and NetworkPolicies as plain Kubernetes YAML.

A cluster of ``N`` pods has about ``N / 50`` namespaces (labelled with team,
environment and tier), each with deployment-like workloads: an ``app`` label
shared by 1 to 6 replicas, a ``pod-template-hash`` per workload, ``tier``,
``version`` and ``track`` labels drawn from skewed distributions, and container
ports by role (named ``http``, ``grpc``, ``metrics``, ``postgres``, ``redis``,
``dns``...). It has about ``N / 5`` policies using every feature the lab
evaluates: default-deny ingress and egress, ``podSelector`` and
``namespaceSelector`` (alone, together, empty), ``matchExpressions`` with all
four operators, ``ipBlock`` with ``except`` (some covering pod IPs), named
ports, ``endPort`` ranges, protocol-only ports, and every ``policyTypes``
variant (absent, Ingress, Egress, both).

Files written (``--out``, default ``benchmarks/out``), per size:

- ``cluster-<N>.yaml``: Namespace and Pod objects (``status.podIP``,
  ``spec.containers[].ports``);
- ``namespaces-<N>.yaml`` and ``pods-<N>.yaml``: the same objects split, as
  network-config-analyzer reads them;
- ``policies-<N>.yaml``: the NetworkPolicy objects.

Usage::

    .venv/bin/python benchmarks/generate.py --sizes 100,1000,5000 [--seed 7] [--out DIR]
"""

from __future__ import annotations

import argparse
import ipaddress
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:
    Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    Dumper = yaml.SafeDumper

METRICS = ("metrics", 9090, "TCP")  # every pod exports metrics (a sidecar where needed)
ROLES = {  # role: (weight, container ports)
    "web": (5, [("http", 8080, "TCP"), METRICS]),
    "api": (6, [("http", 8080, "TCP"), ("grpc", 9000, "TCP"), METRICS]),
    "worker": (4, [METRICS]),
    "db": (2, [("postgres", 5432, "TCP"), METRICS]),
    "cache": (2, [("redis", 6379, "TCP"), METRICS]),
    "queue": (1, [("amqp", 5672, "TCP"), ("mgmt", 15672, "TCP"), METRICS]),
    "dns": (1, [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), METRICS]),
    "gateway": (1, [("https", 8443, "TCP"), ("http", 8080, "TCP"), ("quic", 8443, "UDP"),
                    METRICS]),
}
TEAMS = ["payments", "search", "identity", "catalog", "checkout", "ads", "data", "platform"]
ENVS = [("prod", 5), ("staging", 3), ("dev", 2)]
EXTERNAL_NETS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "0.0.0.0/0"]


@dataclass
class Workload:
    namespace: str
    app: str
    role: str
    labels: dict[str, str]
    ports: list[tuple[str, int, str]]
    pods: list[tuple[str, str]] = field(default_factory=list)  # (name, ip)


def _weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def generate(pods: int, seed: int = 7) -> tuple[list[dict], list[dict], list[dict]]:
    """Namespaces, pods and policies (as manifest dicts) for a cluster of ``pods`` pods."""
    rng = random.Random(f"{seed}-{pods}")
    n_namespaces = max(3, pods // 50)
    namespaces, workloads = [], []
    for i in range(n_namespaces):
        team = TEAMS[i % len(TEAMS)]
        env = _weighted(rng, ENVS)
        name = f"{team}-{env}-{i}"
        labels = {"team": team, "env": env}
        if rng.random() < 0.5:
            labels["tier"] = rng.choice(["frontend", "backend", "data"])
        if i == 0:
            name, labels = "kube-system", {"tier": "system"}
        elif i == 1:
            name, labels = "monitoring", {"team": "platform", "env": "prod", "purpose": "ops"}
        namespaces.append({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": name, "labels": labels}})
    names = [ns["metadata"]["name"] for ns in namespaces]

    network = ipaddress.ip_network("10.128.0.0/12")
    next_ip = int(network.network_address) + 10
    remaining = pods
    serial = 0
    roles = [(r, w) for r, (w, _) in ROLES.items()]
    while remaining > 0:
        serial += 1
        ns = names[0] if serial <= 2 else rng.choice(names)
        role = "dns" if serial <= 2 else _weighted(rng, roles)
        app = f"{role}-{serial}"
        replicas = min(remaining, rng.choice([1, 1, 2, 2, 3, 3, 4, 6]))
        labels = {"app": app, "role": role, "pod-template-hash": f"{rng.getrandbits(32):08x}"}
        if rng.random() < 0.7:
            labels["version"] = rng.choice(["v1", "v1", "v2", "v3"])
        if rng.random() < 0.3:
            labels["track"] = rng.choice(["stable", "canary"])
        if role in ("web", "gateway"):
            labels["tier"] = "frontend"
        elif role in ("db", "cache", "queue"):
            labels["tier"] = "data"
        elif role != "dns":
            labels["tier"] = "backend"
        workload = Workload(ns, app, role, labels, ROLES[role][1])
        for r in range(replicas):
            workload.pods.append((f"{app}-{labels['pod-template-hash'][:5]}-{r}",
                                  str(ipaddress.ip_address(next_ip))))
            next_ip += 1
        workloads.append(workload)
        remaining -= replicas

    pod_docs = []
    for w in workloads:
        for name, ip in w.pods:
            pod_docs.append({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": w.namespace, "labels": dict(w.labels)},
                "spec": {"containers": [{
                    "name": w.role, "image": f"example/{w.role}:1",
                    "ports": [{"name": n, "containerPort": p, "protocol": proto}
                              for n, p, proto in w.ports]}]},
                "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
            })
    policies = _policies(rng, namespaces, workloads, max(1, pods // 5))
    return namespaces, pod_docs, policies


def _selector(rng: random.Random, w: Workload) -> dict:
    """A pod selector for workload ``w``, in one of the forms people write."""
    form = rng.random()
    if form < 0.5:
        return {"matchLabels": {"app": w.app}}
    if form < 0.65:
        return {"matchLabels": {"role": w.role}}
    if form < 0.75:
        return {"matchExpressions": [{"key": "app", "operator": "In",
                                      "values": [w.app, f"{w.role}-legacy"]}]}
    if form < 0.85:
        return {"matchLabels": {"tier": w.labels.get("tier", "system")},
                "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]}
    if form < 0.93:
        return {"matchLabels": {"role": w.role},
                "matchExpressions": [{"key": "version", "operator": "Exists"}]}
    return {"matchExpressions": [{"key": "track", "operator": "DoesNotExist"},
                                 {"key": "role", "operator": "In", "values": [w.role]}]}


def _peer(rng: random.Random, workloads: list[Workload], namespaces: list[dict]) -> dict:
    other = rng.choice(workloads)
    form = rng.random()
    if form < 0.35:
        return {"podSelector": _selector(rng, other)}
    if form < 0.6:
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name":
                                                      other.namespace}},
                "podSelector": _selector(rng, other)}
    if form < 0.72:
        ns = rng.choice(namespaces)["metadata"]
        return {"namespaceSelector": {"matchLabels": dict(list(ns["labels"].items())[:1])}}
    if form < 0.8:
        return {"namespaceSelector": {"matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "staging"]}]},
            "podSelector": {"matchLabels": {"role": other.role}}}
    if form < 0.86:
        return {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "api"}}}
    if form < 0.93:
        ip = ipaddress.ip_address(other.pods[0][1])
        net = ipaddress.ip_network(f"{ip}/24", strict=False)
        return {"ipBlock": {"cidr": str(net), "except": [f"{ip}/32"]}}
    if form < 0.97:
        return {"podSelector": {}}
    return {"namespaceSelector": {"matchLabels": {"purpose": "ops"}}}


def _ports(rng: random.Random, w: Workload) -> list[dict]:
    form = rng.random()
    _, number, proto = rng.choice(w.ports)
    if form < 0.4:
        return [{"protocol": proto, "port": number}]
    if form < 0.65:  # named: the port every pod declares (see METRICS)
        return [{"protocol": "TCP", "port": "metrics"}]
    if form < 0.75:
        return [{"protocol": "TCP", "port": 8000, "endPort": 9999}]
    if form < 0.82:
        return [{"protocol": "UDP"}]
    if form < 0.9:
        return [{"port": number}, {"protocol": "TCP", "port": "metrics"}]
    return []


def _policies(rng: random.Random, namespaces: list[dict], workloads: list[Workload],
              count: int) -> list[dict]:
    out: list[dict] = []

    def add(namespace: str, name: str, spec: dict) -> None:
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": name, "namespace": namespace}, "spec": spec})

    dns = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
           "podSelector": {"matchLabels": {"role": "dns"}}}
    for i, ns in enumerate(namespaces[2:]):
        name = ns["metadata"]["name"]
        if i % 3 == 0:
            add(name, "default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
        if i % 4 == 1:
            add(name, "default-deny-egress-allow-dns", {
                "podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [dns], "ports": [{"protocol": "UDP", "port": 53},
                                                   {"protocol": "TCP", "port": 53}]}]})
        if i % 5 == 2:
            add(name, "allow-monitoring", {
                "podSelector": {},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": "monitoring"}}}],
                    "ports": [{"port": "metrics"}]}]})
    serial = 0
    while len(out) < count:
        serial += 1
        w = rng.choice(workloads)
        kind = rng.random()
        rules = [{"from": [_peer(rng, workloads, namespaces)
                           for _ in range(rng.choice([1, 1, 2, 3]))],
                  "ports": _ports(rng, w)} for _ in range(rng.choice([1, 1, 2]))]
        for rule in rules:
            if not rule["ports"]:
                del rule["ports"]
        external = {"ipBlock": {"cidr": rng.choice(EXTERNAL_NETS), "except": []}}
        egress = [{"to": [external if rng.random() < 0.3
                          else _peer(rng, workloads, namespaces)],
                   "ports": _ports(rng, rng.choice(workloads))}]
        for rule in egress:
            block = rule["to"][0].get("ipBlock")
            if block is not None:
                net = ipaddress.ip_network(block["cidr"])
                block["except"] = (["10.0.0.0/8"] if net.prefixlen == 0  # the internet
                                   else [str(next(net.subnets(new_prefix=28)))])
            if not rule["ports"]:
                del rule["ports"]
        spec: dict = {"podSelector": _selector(rng, w)}
        if kind < 0.45:
            spec["ingress"] = rules
        elif kind < 0.6:
            spec.update(policyTypes=["Ingress"], ingress=rules)
        elif kind < 0.75:
            spec.update(policyTypes=["Egress"], egress=egress)
        elif kind < 0.9:
            spec.update(policyTypes=["Ingress", "Egress"], ingress=rules, egress=egress)
        elif kind < 0.95:
            spec.update(ingress=[{}])  # allow all ingress
        else:
            spec.update(egress=egress)  # no policyTypes: isolates ingress too
        add(w.namespace, f"{w.app}-policy-{serial}", spec)
    return out


def write(pods: int, out: Path, seed: int = 7) -> dict[str, Path]:
    """Write the YAML files for one size; return their paths by role."""
    namespaces, pod_docs, policies = generate(pods, seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "cluster": out / f"cluster-{pods}.yaml",
        "namespaces": out / f"namespaces-{pods}.yaml",
        "pods": out / f"pods-{pods}.yaml",
        "policies": out / f"policies-{pods}.yaml",
    }
    dump = {"cluster": namespaces + pod_docs, "namespaces": namespaces, "pods": pod_docs,
            "policies": policies}
    for role, path in paths.items():
        path.write_text(yaml.dump_all(dump[role], Dumper=Dumper, sort_keys=False))
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="pod counts, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        paths = write(size, args.out, args.seed)
        print(f"{size} pods: " + ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
