"""Cluster input: the compact format, kubectl manifests, workloads, IPs, undeclared namespaces.

Issue 2, "Inputs" (cluster), and semantics reference §5 (every namespace
carries ``kubernetes.io/metadata.name``). The cluster model keeps only what
NetworkPolicy looks at: namespace labels, pod labels, pod IPs, container ports
(name, number, protocol), and external endpoints' IPs.
"""

from __future__ import annotations

import pytest

import netpol_lab as nl
from netpol_lab.model import ContainerPort

COMPACT = """
kind: Cluster
namespaces:
  shop: {labels: {team: blue}}
  ops: {}
pods:
  - {name: web, namespace: shop, labels: {app: web}, ports: [80, "http-alt:8080", "53/UDP", "dns-tcp:53/TCP", "s:9000/SCTP"]}
  - {name: db, namespace: shop, labels: {app: db}, ip: 10.9.0.7, ports: [{name: postgres, port: 5432}]}
  - {name: runner, namespace: ops, labels: {app: runner}}
externals:
  - {name: partner, ip: 203.0.113.10, ports: [443]}
  - {name: v6, ip: "2001:db8::1"}
"""


def test_compact_format():
    """Issue 2, Inputs (cluster): compact format: namespaces with labels, pods with labels and ports, externals by IP."""
    c = nl.load_cluster(COMPACT)
    assert [p.id for p in c.pods] == ["shop/web", "shop/db", "ops/runner"]
    web = c.endpoint("shop/web")
    assert web.ports == (
        ContainerPort(80, "TCP", None), ContainerPort(8080, "TCP", "http-alt"),
        ContainerPort(53, "UDP", None), ContainerPort(53, "TCP", "dns-tcp"),
        ContainerPort(9000, "SCTP", "s"))
    assert c.endpoint("shop/db").ports == (ContainerPort(5432, "TCP", "postgres"),)
    assert [(e.name, e.ip, e.ports) for e in c.externals] == [
        ("partner", "203.0.113.10", (ContainerPort(443),)), ("v6", "2001:db8::1", ())]
    assert c.namespace_labels("shop") == {"team": "blue", "kubernetes.io/metadata.name": "shop"}


def test_compact_namespaces_as_a_list():
    """Issue 2, Inputs (cluster): the compact ``namespaces`` may also be a list of names or of {name, labels}."""
    c = nl.load_cluster("namespaces: [a, {name: b, labels: {env: prod}}]\n")
    assert {n: dict(ns.labels) for n, ns in c.namespaces.items()} == {
        "a": {"kubernetes.io/metadata.name": "a"},
        "b": {"env": "prod", "kubernetes.io/metadata.name": "b"}}


def test_ips_are_assigned_deterministically():
    """Issue 2, Inputs (cluster): IPs absent are assigned from 10.244.0.0/16, one /24 per namespace in declaration order,
    the same on every load; given IPs are kept."""
    first = [(p.id, p.ip) for p in nl.load_cluster(COMPACT).pods]
    again = [(p.id, p.ip) for p in nl.load_cluster(COMPACT).pods]
    assert first == again == [("shop/web", "10.244.1.10"), ("shop/db", "10.9.0.7"),
                              ("ops/runner", "10.244.2.10")]


def test_assigned_ips_skip_addresses_already_taken():
    """Issue 2, Inputs (cluster): an assigned IP never collides with a declared pod or external IP."""
    c = nl.load_cluster("""
pods:
  - {name: a, namespace: x}
  - {name: b, namespace: x, ip: 10.244.1.11}
  - {name: c, namespace: x}
externals:
  - {name: e, ip: 10.244.1.12}
""")
    assert [p.ip for p in c.pods] == ["10.244.1.10", "10.244.1.11", "10.244.1.13"]


def test_undeclared_namespaces_exist_with_their_name_label():
    """§5 / issue 2: a namespace that pods or policies name but nobody declared exists, with only
    the name label."""
    loaded = nl.read("""
pods:
  - {name: a, namespace: undeclared}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: from-policy}
spec: {podSelector: {}}
""")
    c = loaded.cluster()
    assert c.namespace_labels("undeclared") == {"kubernetes.io/metadata.name": "undeclared"}
    assert c.namespace_labels("from-policy") == {"kubernetes.io/metadata.name": "from-policy"}
    assert sorted(c.namespaces) == ["from-policy", "undeclared"]


def test_pod_without_namespace_lives_in_default():
    """§1 / issue 2, Inputs (cluster): as in Kubernetes, an object without metadata.namespace is in ``default``."""
    c = nl.load_cluster("pods: [{name: lonely}]\n")
    assert [p.id for p in c.pods] == ["default/lonely"]


KUBECTL = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
    labels: {team: blue, kubernetes.io/metadata.name: shop}
    resourceVersion: "12"
  spec: {finalizers: [kubernetes]}
  status: {phase: Active}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-7d9f8-abcde
    namespace: shop
    labels: {app: web, pod-template-hash: 7d9f8}
    annotations: {kubectl.kubernetes.io/restartedAt: "2026-11-27T10:00:00Z"}
  spec:
    initContainers:
    - {name: init, image: busybox}
    containers:
    - name: web
      image: nginx
      ports:
      - {containerPort: 8080, name: http, protocol: TCP}
      - {containerPort: 53, protocol: UDP}
    - name: sidecar
      ports:
      - {containerPort: 9901, name: admin}
  status:
    phase: Running
    podIP: 10.1.2.3
    podIPs: [{ip: 10.1.2.3}]
"""


def test_kubectl_namespaces_and_pods():
    """Issue 2, Inputs (cluster): ``kubectl get ns,pods -o yaml``: Namespace labels, Pod labels, status.podIP, every
    container's ports with name and protocol (TCP by default)."""
    c = nl.load_cluster(KUBECTL)
    (pod,) = c.pods
    assert (pod.id, pod.ip, dict(pod.labels)) == (
        "shop/web-7d9f8-abcde", "10.1.2.3", {"app": "web", "pod-template-hash": "7d9f8"})
    assert pod.ports == (ContainerPort(8080, "TCP", "http"), ContainerPort(53, "UDP", None),
                         ContainerPort(9901, "TCP", "admin"))
    assert c.namespace_labels("shop") == {"team": "blue", "kubernetes.io/metadata.name": "shop"}


WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {owner: me}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432, name: postgres}]}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, ports: [{containerPort: 9100, protocol: TCP}]}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache-5c6, namespace: shop}
spec:
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: c, ports: [{containerPort: 6379}]}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: ops}
spec:
  template:
    metadata: {labels: {job: migrate}}
    spec: {containers: [{name: c}], restartPolicy: Never}
"""


def test_workloads_become_one_representative_pod():
    """Issue 2: deployment, StatefulSet, DaemonSet, ReplicaSet and Job each become one pod named
    after the workload, with the template's labels and ports (the workload's own labels do not
    count: policies select pods)."""
    c = nl.load_cluster(WORKLOADS)
    assert [(p.id, dict(p.labels), [str(cp) for cp in p.ports]) for p in c.pods] == [
        ("shop/web", {"app": "web", "tier": "front"}, ["http:8080/TCP"]),
        ("shop/db", {"app": "db"}, ["postgres:5432/TCP"]),
        ("ops/agent", {"app": "agent"}, ["9100/TCP"]),
        ("shop/cache-5c6", {"app": "cache"}, ["6379/TCP"]),
        ("ops/migrate", {"job": "migrate"}, []),
    ]


def test_workload_whose_pods_are_listed_adds_no_extra_pod():
    """Issue 2, Inputs (cluster): A Deployment exported next to its running pods is not counted twice."""
    text = KUBECTL + """
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    template:
      metadata: {labels: {app: web}}
      spec: {containers: [{name: web, ports: [{containerPort: 8080, name: http}]}]}
"""
    assert [p.id for p in nl.load_cluster(text).pods] == ["shop/web-7d9f8-abcde"]


def test_workload_without_template_labels_is_kept_next_to_other_pods():
    """Issue 2, Inputs (cluster): a workload whose template has no labels is not mistaken
    for one of the unrelated pods of its namespace."""
    text = KUBECTL + """
- apiVersion: batch/v1
  kind: Job
  metadata: {name: migrate, namespace: shop}
  spec:
    template:
      spec: {containers: [{name: c}], restartPolicy: Never}
"""
    assert [p.id for p in nl.load_cluster(text).pods] == ["shop/web-7d9f8-abcde", "shop/migrate"]


def test_one_file_holds_cluster_and_policies(policy):
    """Issue 2: one file may hold the cluster and the policies together (``nl.load``)."""
    text = COMPACT + """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: postgres}]}]
"""
    cluster, policies = nl.load(text)
    assert [p.id for p in policies] == ["shop/db-in"]
    assert [p.id for p in cluster.pods] == ["shop/web", "shop/db", "ops/runner"]
    assert nl.evaluate(cluster, policies, "shop/web", "shop/db", 5432).allowed is True
    assert nl.evaluate(cluster, policies, "ops/runner", "shop/db", 5432).allowed is False
    loaded = nl.read(text)
    assert (loaded.has_cluster, len(loaded.policies), loaded.problems) == (True, 1, [])


def test_load_cluster_from_a_path(tmp_path):
    """Issue 2, Inputs (cluster): A Path to a .yaml file is read from disk (issue 11: a str
    is always YAML text, never a file name)."""
    path = tmp_path / "cluster.yaml"
    path.write_text(COMPACT)
    assert [p.id for p in nl.load_cluster(path).pods] == ["shop/web", "shop/db", "ops/runner"]
    with pytest.raises(nl.NetpolError, match="expected a Kubernetes object"):
        nl.load_cluster(str(path))


@pytest.mark.parametrize(("text", "path", "message"), [
    ("pods: [{name: a, ip: 10.0.0.300}]\n", "pods[0].ip", "'10.0.0.300' is not an IP address"),
    ("pods: [{name: a, ports: [70000]}]\n", "pods[0].ports[0]", "70000 is out of range"),
    ('pods: [{name: a, ports: ["http:80/ICMP"]}]\n', "pods[0].ports[0]",
     "'ICMP' is not a supported protocol"),
    ("pods: [{name: A_b}]\n", "pods[0].name", "'A_b' is not a valid pod name"),
    ("pods: [{namespace: x}]\n", "pods[0].name", "the pod has no name"),
    ("pods: [{name: a, lables: {app: a}}]\n", "pods[0].lables",
     "unknown field 'lables'; did you mean 'labels'?"),
    ("externals: [{name: e}]\n", "externals[0]", "an external endpoint needs a name and an ip"),
    ("namespaces: {Prod: {}}\n", "namespaces.Prod", "'Prod' is not a valid namespace name"),
    ("kind: Pod\nmetadata: {name: p}\nstatus: {podIP: nope}\n", "status.podIP",
     "'nope' is not an IP address"),
    ("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{ports: [{containerPort: 0}]}]}\n",
     "spec.containers[0].ports[0].containerPort", "0 is out of range"),
])
def test_cluster_errors_name_the_field(text, path, message):
    """Issue 2, Inputs (cluster): A bad cluster file is a ValidationError at the field, with its line."""
    with pytest.raises(nl.ValidationError) as info:
        nl.load_cluster(text)
    assert (info.value.path, info.value.message) == (path, message)
    assert info.value.line is not None


def test_the_default_cluster():
    """Issue 2, Inputs (default cluster): the built-in cluster: the article's namespaces, pods and four externals."""
    c = nl.default_cluster()
    assert sorted(c.namespaces) == ["kube-system", "monitoring", "production", "staging"]
    assert [p.id for p in c.pods] == [
        "production/frontend", "production/mobile-bff", "production/api", "production/database",
        "production/cache", "staging/frontend", "staging/api", "monitoring/prometheus",
        "kube-system/coredns"]
    assert [(e.name, e.ip) for e in c.externals] == [
        ("partner-api", "203.0.113.10"), ("public-web", "198.51.100.20"),
        ("corp-net", "10.0.5.20"), ("corp-vault", "10.0.1.20")]
    for name in c.namespaces:
        assert c.namespace_labels(name)["kubernetes.io/metadata.name"] == name
