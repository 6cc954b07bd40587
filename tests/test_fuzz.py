"""Fuzzing: whatever a learner types, the library answers with a NetpolError, never a traceback.

Issue 2, "Errors": alias bombs, deep nesting, huge numbers, wrong types, empty
files and binary garbage give the library's own error. Hypothesis feeds
arbitrary text, bytes, YAML-ish text and random nested structures to
``nl.read`` (which must never raise) and ``nl.load_policies`` /
``nl.load_cluster`` (which may raise only :class:`~netpol_lab.NetpolError`).
Examples are bounded so the file runs in a few seconds.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol_lab as nl

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

KEYS = ["apiVersion", "kind", "metadata", "name", "namespace", "spec", "podSelector",
        "namespaceSelector", "ipBlock", "cidr", "except", "policyTypes", "ingress", "egress",
        "from", "to", "ports", "port", "endPort", "protocol", "matchLabels",
        "matchExpressions", "key", "operator", "values", "items", "pods", "namespaces",
        "externals", "labels", "ip", "status", "podIP", "containers", "containerPort",
        "template"]
WORDS = ["NetworkPolicy", "List", "NetworkPolicyList", "Pod", "Namespace", "Deployment",
         "Cluster", "Service", "networking.k8s.io/v1", "Ingress", "Egress", "TCP", "UDP", "SCTP",
         "In", "NotIn", "Exists", "DoesNotExist", "10.0.0.0/8", "10.0.1.0/24", "::/0",
         "fd00::1/128", "http", "app", "api", "production", "", "-", "a/b", "8080"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True), st.sampled_from(WORDS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-3, 3), st.booleans())
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)
# Policies with a plausible skeleton, so the fuzz reaches deep into validation.
policies = st.fixed_dictionaries(
    {"apiVersion": st.just("networking.k8s.io/v1"), "kind": st.just("NetworkPolicy"),
     "metadata": st.fixed_dictionaries({"name": st.sampled_from(["p", "P", "", "a-b"])},
                                       optional={"namespace": structures}),
     "spec": st.dictionaries(st.sampled_from(["podSelector", "policyTypes", "ingress",
                                              "egress"]), structures, max_size=4)},
)
yaml_lines = st.lists(
    st.tuples(st.integers(0, 8), st.sampled_from([*KEYS, "-", "- {}", "[]", "{}"]),
              st.sampled_from(["", ": ", ": {}", ": []", ": x", ": 8080", ": &a [1]", ": *a",
                               ":\t", ': "', ": [", ": !!python/object x"])),
    max_size=25,
).map(lambda lines: "\n".join(" " * indent + key + rest for indent, key, rest in lines))


def only_netpol_errors(source) -> None:
    """``read`` never raises; the strict loaders raise only NetpolError; problems are errors."""
    loaded = nl.read(source)
    assert all(isinstance(p, nl.NetpolError) for p in loaded.problems)
    for problem in loaded.problems:
        assert str(problem)          # every message renders
        problem.to_dict()
    for load in (nl.load_policies, nl.load_cluster, nl.load):
        try:
            load(source)
        except nl.NetpolError as err:
            assert str(err)


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    """Issue 2, Errors (fuzz): any string, YAML or not."""
    only_netpol_errors(text)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data):
    """Issue 2, Errors (fuzz): any bytes: binary garbage, broken UTF-8, NULs."""
    only_netpol_errors(data)


@FUZZ
@given(yaml_lines)
def test_yaml_shaped_text(text):
    """Issue 2, Errors (fuzz): text built from manifest keys, indentation, tabs, anchors, aliases and tags."""
    only_netpol_errors(text)


@FUZZ
@given(structures)
def test_random_nested_structures(data):
    """Issue 2, Errors (fuzz): random dicts and lists (with non-string keys, NaN, huge integers) as Python input."""
    only_netpol_errors(data)


@FUZZ
@given(policies)
def test_policy_shaped_dicts(data):
    """Issue 2, Errors (fuzz): A NetworkPolicy skeleton with random specs: validation must catch everything."""
    only_netpol_errors(data)
    only_netpol_errors([data, data])


@FUZZ
@given(policies)
def test_whatever_loads_also_evaluates(data):
    """Issue 2, Errors (fuzz): A policy that loads can be evaluated and tabled without any exception."""
    try:
        loaded = nl.load_policies(data)
    except nl.NetpolError:
        return
    cluster = nl.default_cluster()
    verdict = nl.evaluate(cluster, loaded, "production/frontend", "production/api", 8080)
    assert verdict.reason.startswith(("allowed: ", "denied: "))
    assert verdict.explain()
