"""Issue 11, fuzz: hostile values anywhere in policy and cluster documents.

Hypothesis writes YAML policy and cluster documents (manifests and the compact
format) and puts hostile values where values go: numbers of any spelling and
size, escapes that make lone surrogates or control characters, non-ASCII
digits, very long strings, merge keys, anchors. Whatever it writes, loading
gives netpol_lab's own error (or a result), never a raw exception, and every
message is short and can be written out as UTF-8 (a grader report, a
terminal). The example count is bounded so the file stays fast; set
``HYPOTHESIS_PROFILE=thorough`` for ten times more.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol_lab as nl
from netpol_lab.exercises import check

EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 200
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HOSTILE = st.one_of(
    st.sampled_from([
        "0x" + "f" * 3000, "0b" + "1" * 9000, "0" + "7" * 3000, "1" + ":59" * 400,
        "9" * 4400, "-" + "9" * 4400, "1_0" * 2000, "9" * 400 + ".5", "1e99999", ".inf", ".nan",
        "0x1F90", "0b1010", "010", "1:20", "+8080", "8_080",
        '"\\ud800"', '"a\\udfffb"', '"\\x07"', '"\\0"', '"\\x9b"', '"\\u202e"', '"\\N"',
        '"\\ufeff"', '"api\\n"', '"\\t"', '"٨٠"', "٨٠", '"８０８０"', "８０８０", '"0x1F90"',
        "x" * 5000, '"' + "é" * 3000 + '"', "&a [1, 2]", "*a", "!!binary aGVsbG8=",
        "!!timestamp 2001-12-14", "2001-12-14", "{<<: {a: b}}", "[<<]", "~", "null", "yes",
        "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
    ]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
      .map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {0}, namespace: {1}}}
spec:
  podSelector: {{matchLabels: {{app: {2}}}}}
  policyTypes: [Ingress, {3}]
  ingress:
    - from:
        - namespaceSelector: {{matchLabels: {{{4}: x}}}}
          podSelector:
            matchExpressions: [{{key: tier, operator: {5}, values: [{6}]}}]
        - ipBlock: {{cidr: {7}, except: [{8}]}}
      ports:
        - {{protocol: {9}, port: {10}, endPort: {11}}}
  egress:
    - to: [{{podSelector: {{}}}}]
      ports: [{{port: {12}}}]
"""

CLUSTER = """\
namespaces:
  {0}: {{labels: {{env: {1}}}}}
pods:
  - {{name: {2}, namespace: {0}, labels: {{app: {3}}}, ip: {4}, ports: [{5}, "http:{6}"]}}
externals:
  - {{name: {7}, ip: {8}, ports: [{9}]}}
---
kind: Pod
metadata: {{name: {10}, namespace: {0}}}
spec:
  containers: [{{ports: [{{containerPort: {11}, name: {12}}}]}}]
"""


def holes(template: str, count: int):
    """The template with each hole either a hostile value or a plain one."""
    plain = st.sampled_from(["api", "production", "8080", "10.0.0.0/8", "TCP", "In", "x"])
    return st.lists(st.one_of(HOSTILE, plain), min_size=count, max_size=count).map(
        lambda values: template.format(*values))


def assert_clean(error: nl.NetpolError) -> None:
    text = str(error)
    text.encode("utf-8")  # no lone surrogate reaches a message
    assert len(text) < 2000, text[:200]
    error.to_dict()


def only_our_errors(text: str) -> None:
    loaded = nl.read(text)
    for problem in loaded.problems:
        assert isinstance(problem, nl.NetpolError)
        assert_clean(problem)
    for load in (nl.load_policies, nl.load_cluster):
        try:
            load(text)
        except nl.NetpolError as err:
            assert_clean(err)


@FUZZ
@given(holes(POLICY, 13))
def test_hostile_values_in_policies(text):
    """Issue 11, Values (fuzz): a policy with hostile values in every field."""
    only_our_errors(text)
    result = check("ingress-03-namespace-default-deny", text)
    assert result.passed in (True, False)
    result.reason.encode("utf-8")


@FUZZ
@given(holes(CLUSTER, 13))
def test_hostile_values_in_clusters(text):
    """Issue 11, Values (fuzz): a compact cluster and a Pod manifest with hostile values."""
    only_our_errors(text)
