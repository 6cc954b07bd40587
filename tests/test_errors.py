"""Errors: every rejection of semantics §8, and every hostile or clumsy input, as NetpolError.

Section 8 lists what the Kubernetes API server refuses (upstream:
``pkg/apis/networking/validation/validation.go``, ``ValidateNetworkPolicyPeer``,
``ValidateIPBlock``, ``ValidateNetworkPolicyPort``; label selectors by
apimachinery's ``ValidateLabelSelector``). For each we pin the error class, the
exact field path, the line in the text and the message, so that a learner
always reads where and what, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import netpol_lab as nl

HEADER = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: production
spec:
"""  # six lines: the spec's first line is line 7


def error_of(text, loader=nl.load_policies) -> nl.NetpolError:
    """The error ``loader`` raises for ``text`` (the test fails if none is raised)."""
    with pytest.raises(nl.NetpolError) as info:
        loader(text)
    return info.value


# (case id, YAML after the header, field path, line, message)
SECTION_8 = [
    ("ipBlock with a selector in one peer",
     "  podSelector: {}\n  ingress:\n    - from:\n        - ipBlock:\n"
     "            cidr: 10.0.0.0/8\n          podSelector: {}\n",
     "spec.ingress[0].from[0]", 10,
     "ipBlock cannot be combined with podSelector or namespaceSelector in the same peer"),
    ("peer with no field",
     "  podSelector: {}\n  ingress:\n    - from:\n        - {}\n",
     "spec.ingress[0].from[0]", 10,
     "a peer must set at least one of podSelector, namespaceSelector or ipBlock"),
    ("peer whose only selector is null",
     "  podSelector: {}\n  ingress:\n    - from:\n        - podSelector:\n",
     "spec.ingress[0].from[0]", 10,
     "a peer must set at least one of podSelector, namespaceSelector or ipBlock "
     "(podSelector is empty, which means not set)"),
    ("invalid CIDR",
     "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.300/8\n",
     "spec.egress[0].to[0].ipBlock.cidr", 11,
     "'10.0.0.300/8' is not a valid CIDR ('10.0.0.300/8' does not appear to be an IPv4 or "
     "IPv6 network)"),
    ("CIDR without prefix length",
     "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.1\n",
     "spec.egress[0].to[0].ipBlock.cidr", 11,
     "'10.0.0.1' is not a CIDR: the prefix length is missing"),
    ("except outside cidr",
     "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/16\n"
     "            except:\n              - 10.0.1.0/24\n              - 192.168.0.0/24\n",
     "spec.egress[0].to[0].ipBlock.except[1]", 14,
     "except entry 192.168.0.0/24 is not strictly inside cidr 10.0.0.0/16"),
    ("except equal to cidr",
     "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/16\n"
     "            except: [10.0.0.0/16]\n",
     "spec.egress[0].to[0].ipBlock.except[0]", 12,
     "except entry 10.0.0.0/16 is not strictly inside cidr 10.0.0.0/16"),
    ("except of the other IP family",
     "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/16\n"
     "            except: ['2001:db8::/64']\n",
     "spec.egress[0].to[0].ipBlock.except[0]", 12,
     "except entry 2001:db8::/64 is not strictly inside cidr 10.0.0.0/16"),
    ("port 0",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: 0\n",
     "spec.ingress[0].ports[0].port", 10, "0 is out of range"),
    ("port 65536",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: TCP\n          port: 65536\n",
     "spec.ingress[0].ports[0].port", 11, "65536 is out of range"),
    ("named port with upper case and underscore",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: HTTP_Web\n",
     "spec.ingress[0].ports[0].port", 10, "'HTTP_Web' is not a valid named port"),
    ("named port longer than 15",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: a-very-long-port-name\n",
     "spec.ingress[0].ports[0].port", 10, "'a-very-long-port-name' is not a valid named port"),
    ("quoted numeric port",
     '  podSelector: {}\n  ingress:\n    - ports:\n        - port: "8080"\n',
     "spec.ingress[0].ports[0].port", 10,
     "the port '8080' is quoted, so it reads as a port *name*, and a port name needs a letter"),
    ("endPort without port",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - endPort: 9000\n",
     "spec.ingress[0].ports[0].endPort", 10, "endPort needs a port to start the range"),
    ("endPort with a named port",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: http\n          endPort: 9000\n",
     "spec.ingress[0].ports[0].endPort", 11, "endPort cannot be used with the named port 'http'"),
    ("endPort below port",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: 9000\n          endPort: 8000\n",
     "spec.ingress[0].ports[0].endPort", 11, "endPort 8000 is below port 9000"),
    ("endPort above 65535",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - port: 9000\n          endPort: 70000\n",
     "spec.ingress[0].ports[0].endPort", 11, "70000 is out of range"),
    ("protocol ICMP",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: ICMP\n",
     "spec.ingress[0].ports[0].protocol", 10, "'ICMP' is not a supported protocol"),
    ("protocol in lower case",
     "  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: udp\n          port: 53\n",
     "spec.ingress[0].ports[0].protocol", 10,
     "'udp' is not a supported protocol (protocols are upper case: 'UDP')"),
    ("policy type Outgress",
     "  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Outgress\n",
     "spec.policyTypes[1]", 10, "'Outgress' is not a policy type"),
    ("policy type in lower case",
     "  podSelector: {}\n  policyTypes: [ingress]\n",
     "spec.policyTypes[0]", 8,
     "'ingress' is not a policy type (policy types are case-sensitive: 'Ingress')"),
    ("unknown operator",
     "  podSelector:\n    matchExpressions:\n      - key: app\n        operator: Equals\n"
     "        values: [api]\n",
     "spec.podSelector.matchExpressions[0].operator", 10, "'Equals' is not a valid operator"),
    ("operator in lower case",
     "  podSelector:\n    matchExpressions:\n      - {key: app, operator: in, values: [api]}\n",
     "spec.podSelector.matchExpressions[0].operator", 9,
     "'in' is not a valid operator (operators are case-sensitive: 'In')"),
    ("In without values",
     "  podSelector:\n    matchExpressions:\n      - key: app\n        operator: In\n",
     "spec.podSelector.matchExpressions[0].values", 9, "operator In needs at least one value"),
    ("NotIn with an empty list",
     "  podSelector:\n    matchExpressions:\n      - key: app\n        operator: NotIn\n"
     "        values: []\n",
     "spec.podSelector.matchExpressions[0].values", 11, "operator NotIn needs at least one value"),
    ("Exists with values",
     "  podSelector:\n    matchExpressions:\n      - key: app\n        operator: Exists\n"
     "        values: [api]\n",
     "spec.podSelector.matchExpressions[0].values", 11, "operator Exists takes no values"),
    ("DoesNotExist with values",
     "  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n"
     "            matchExpressions:\n              - key: team\n"
     "                operator: DoesNotExist\n                values: [x]\n",
     "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values", 14,
     "operator DoesNotExist takes no values"),
    ("label key starting with '-'",
     "  podSelector:\n    matchLabels:\n      -app: api\n",
     "spec.podSelector.matchLabels.-app", 9, "'-app' is not a valid label key"),
    ("label key with an upper-case prefix",
     "  podSelector:\n    matchLabels:\n      Example.COM/app: api\n",
     "spec.podSelector.matchLabels.Example.COM/app", 9,
     "'Example.COM/app' is not a valid label key"),
    ("label value with a space",
     "  podSelector:\n    matchLabels:\n      app: my api\n",
     "spec.podSelector.matchLabels.app", 9, "'my api' is not a valid label value"),
    ("label value longer than 63",
     "  podSelector:\n    matchLabels:\n      app: " + "a" * 64 + "\n",
     "spec.podSelector.matchLabels.app", 9, f"'{'a' * 64}' is not a valid label value"),
    ("label value read as a boolean",
     "  podSelector:\n    matchLabels:\n      enabled: true\n",
     "spec.podSelector.matchLabels.enabled", 9,
     "label values are strings, but true was read as the boolean true"),
    ("matchExpressions value that is not a label value",
     "  podSelector:\n    matchExpressions:\n      - key: app\n        operator: In\n"
     "        values: [api, 'web*']\n",
     "spec.podSelector.matchExpressions[0].values[1]", 11, "'web*' is not a valid label value"),
]

# Whole documents for the metadata rejections (the header is what is wrong).
METADATA = [
    ("missing metadata.name",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
     "  namespace: production\nspec:\n  podSelector: {}\n",
     "metadata.name", 4, "the policy has no metadata.name"),
    ("policy name with upper case and underscore",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: API_Ingress\n"
     "  namespace: production\nspec:\n  podSelector: {}\n",
     "metadata.name", 4, "'API_Ingress' is not a valid policy name"),
    ("namespace that is not a DNS label",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n"
     "  namespace: Production.Team\nspec:\n  podSelector: {}\n",
     "metadata.namespace", 5, "'Production.Team' is not a valid namespace name"),
    ("namespace longer than 63",
     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n"
     f"  namespace: {'n' * 64}\nspec:\n  podSelector: {{}}\n",
     "metadata.namespace", 5, f"'{'n' * 64}' is not a valid namespace name"),
]


@pytest.mark.parametrize(("case", "spec", "path", "line", "message"), SECTION_8,
                         ids=[c[0] for c in SECTION_8])
def test_section_8_rejection(case, spec, path, line, message):
    """Semantics §8: the API server rejects this; we raise ValidationError at the exact field.

    Kubernetes API, NetworkPolicyPeer ("Exactly one of ipBlock or the selectors
    ... must be set"), IPBlock ("Except ... values will be rejected if they are
    outside the cidr range"), NetworkPolicyPort (port, endPort, protocol) and
    LabelSelectorRequirement (values "must be non-empty" for In/NotIn, "must
    be empty" for Exists/DoesNotExist).
    """
    err = error_of(HEADER + spec)
    assert type(err) is nl.ValidationError
    assert (err.path, err.line, err.document, err.message) == (path, line, 1, message)
    assert err.expected, "every rejection says what would be valid"
    assert str(err).startswith(f"document 1, line {line}, {path}: {message}")


@pytest.mark.parametrize(("case", "text", "path", "line", "message"), METADATA,
                         ids=[c[0] for c in METADATA])
def test_section_8_metadata_rejection(case, text, path, line, message):
    """Semantics §8: a missing metadata.name, or a name/namespace that is not a valid name.

    Policy names are DNS subdomains, namespaces DNS labels (RFC 1123, at most 63).
    """
    err = error_of(text)
    assert type(err) is nl.ValidationError
    assert (err.path, err.line, err.message) == (path, line, message)
    assert err.example, "a metadata error shows a whole correct policy"


def test_section_8_rejections_carry_an_example_to_copy():
    """Errors are values a learner can read: an example of the right form (issue 2, Errors)."""
    err = error_of(HEADER + SECTION_8[0][1])
    assert err.example.startswith("from:\n  - ipBlock:\n      cidr: 10.0.0.0/8")
    assert err.to_dict() == {
        "kind": "ValidationError", "message": err.message, "path": "spec.ingress[0].from[0]",
        "document": 1, "line": 10, "expected": "ipBlock alone in its list item",
        "example": err.example, "source": None,
    }


def test_error_from_python_dicts_has_the_path_but_no_line():
    """Issue 2, Errors: dict input has no text: the path still locates the problem."""
    data = {"kind": "NetworkPolicy", "metadata": {"name": "p"},
            "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 0}]}]}}
    err = error_of(data)
    assert (err.path, err.line, err.document) == ("spec.ingress[0].ports[0].port", None, None)


def test_error_in_second_document_reports_document_and_absolute_line():
    """Issue 2, Errors: several ``---`` documents: the error names its document and the line in the whole text."""
    text = HEADER + "  podSelector: {}\n---\n" + HEADER + "  policyTypes: [Egres]\n"
    err = error_of(text)
    assert (err.document, err.line, err.path) == (2, 15, "spec.policyTypes[0]")


def test_every_invalid_document_is_reported_at_once():
    """Issue 2, Errors: inputErrors lists every problem, so a learner fixes them in one pass; read() never raises."""
    text = (HEADER + "  podSelector: {}\n  policyTypes: [Egres]\n---\n" + HEADER
            + "  podSelector: {}\n---\n" + HEADER + "  ingress:\n    - ports: [{port: 0}]\n")
    err = error_of(text)
    assert type(err) is nl.InputErrors
    assert [(e.document, e.line, e.path) for e in err.errors] == [
        (1, 8, "spec.policyTypes[0]"), (3, 25, "spec.ingress[0].ports[0].port")]
    starts = [line for line in str(err).splitlines() if line.startswith("document ")]
    assert [line.split(":")[0] for line in starts] == [
        "document 1, line 8, spec.policyTypes[0]", "document 3, line 25, spec.ingress[0].ports[0].port"]
    assert err.message == "'Egres' is not a policy type (and 1 more problem)"
    loaded = nl.read(text)
    assert [p.name for p in loaded.policies] == ["p"]
    assert len(loaded.problems) == 2


# --- YAML that cannot be read --------------------------------------------------------------

def test_malformed_yaml_unclosed_flow_mapping():
    """Issue 2, Errors: A syntax error is a ParseError with its line, never PyYAML's exception."""
    err = error_of(HEADER + "  podSelector: {matchLabels: {app: api}\n  ingress: []\n")
    assert type(err) is nl.ParseError
    assert err.line == 8
    assert err.message.startswith("YAML syntax error:")


def test_bad_indentation_gets_an_indentation_hint():
    """Issue 2, Errors: A key indented under a scalar: 'mapping values are not allowed here' plus a hint."""
    err = error_of(HEADER + "  podSelector: app\n    matchLabels: x\n")
    assert type(err) is nl.ParseError
    assert err.line == 8
    assert err.message == "YAML syntax error: mapping values are not allowed here"
    assert err.expected == "consistent indentation, and a space after each ':'"


def test_tab_indentation_is_named():
    """Issue 2, Errors: YAML forbids tabs for indentation; the error says so and where."""
    err = error_of("kind: NetworkPolicy\nmetadata:\n\tname: x\n")
    assert type(err) is nl.ParseError
    assert err.line == 3
    assert err.expected == "spaces for indentation (YAML forbids tabs)"


def test_duplicate_key_is_refused_at_the_second_key():
    """Issue 2, Errors: A repeated key would silently replace the first (the AND-vs-OR accident): refuse it."""
    text = HEADER + ("  podSelector: {}\n  ingress:\n    - from:\n"
                     "        - podSelector: {matchLabels: {app: a}}\n"
                     "          podSelector: {matchLabels: {app: b}}\n")
    err = error_of(text)
    assert type(err) is nl.ParseError
    assert err.line == 11
    assert err.message == ("the key 'podSelector' appears twice in the same mapping "
                           "(the second would silently replace the first)")
    assert "for OR start a new item with '-'" in err.expected


def test_control_character_is_a_parse_error_with_its_line():
    """Issue 2, Errors: an invisible control character (pasted from a terminal) is reported, not a ReaderError."""
    err = error_of(HEADER + "  podSelector: {}\x07\n")
    assert type(err) is nl.ParseError
    assert err.line == 7
    assert "U+0007" in err.message


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)),
                                  b"\xff\xfe\x00k\x00i"])
def test_binary_garbage_is_a_parse_error(data):
    """Issue 2, Errors: bytes that are not UTF-8 text are refused by the reader."""
    err = error_of(data)
    assert type(err) is nl.ParseError
    assert err.message.startswith("the input is not UTF-8 text")


def test_nul_bytes_in_text_are_refused():
    """Issue 2, Errors: A decoded string with NUL bytes is binary data, not YAML."""
    err = error_of("kind: NetworkPolicy\x00\x00")
    assert err.message == "the input contains NUL bytes: this is binary data, not YAML"


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n", "---\n---\n"])
def test_empty_input_means_no_policies(text):
    """Issue 2, Errors: an empty file or editor holds zero documents: no policies, no problems, no exception."""
    assert nl.load_policies(text) == []
    loaded = nl.read(text)
    assert (loaded.problems, loaded.skipped, loaded.has_cluster) == ([], [], False)


def test_billion_laughs_is_refused_quickly():
    """Issue 2, Errors: an alias bomb expands through a bound; it is refused before it costs time or memory."""
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
    err = error_of(bomb)
    assert type(err) is nl.ParseError
    assert err.message == ("the document expands to more than 100,000 values (YAML aliases "
                           "that repeat each other, a 'billion laughs' bomb?)")


def test_a_few_plain_aliases_are_fine():
    """Issue 2, Errors: anchors and aliases that do not explode are ordinary YAML and load."""
    text = HEADER + ("  podSelector: &api {matchLabels: {app: api}}\n  ingress:\n"
                     "    - from: [{podSelector: *api}]\n")
    (policy,) = nl.load_policies(text)
    assert policy.ingress[0].peers[0].pod_selector == policy.pod_selector


@pytest.mark.parametrize(("depth", "message"), [
    (100, "the document is nested more than 64 levels deep"),
    (20_000, "the document is nested too deeply to read"),
])
def test_deep_nesting_is_refused(depth, message):
    """Issue 2, Errors: deeply nested lists give the library's error (depth bound, or the composer's recursion)."""
    err = error_of("a: " + "[" * depth + "]" * depth)
    assert type(err) is nl.ParseError
    assert err.message == message


def test_a_number_with_thousands_of_digits_is_refused():
    """Issue 2, Errors: A huge integer literal is a ParseError, not Python's int-conversion ValueError."""
    err = error_of(HEADER + "  podSelector: {}\n  ingress:\n    - ports:\n        - port: "
                   + "9" * 5000 + "\n")
    assert type(err) is nl.ParseError
    assert (err.line, err.path) == (10, "spec.ingress[0].ports[0].port")
    assert err.message == ("the number 99999999999999999999… has 5,000 characters, far too "
                           "many for any field")


def test_a_large_port_number_is_out_of_range():
    """Issue 2, Errors: A big but readable number is a ValidationError at the port."""
    err = error_of(HEADER + "  podSelector: {}\n  ingress:\n    - ports:\n"
                   "        - port: 99999999999999999999999\n")
    assert (type(err), err.path, err.message) == (
        nl.ValidationError, "spec.ingress[0].ports[0].port", "99999999999999999999999 is out of range")


@pytest.mark.parametrize(("value", "found"), [("80.5", "the number 80.5"), (".inf", "the number inf"),
                                              ("true", "the boolean true")])
def test_a_port_of_the_wrong_type(value, found):
    """Issue 2, Errors: A float or boolean port: 'expected a whole number'."""
    err = error_of(HEADER + f"  podSelector: {{}}\n  ingress:\n    - ports:\n        - port: {value}\n")
    assert err.message == f"expected a whole number but found {found}"


# --- wrong shapes ---------------------------------------------------------------------------

def test_a_string_where_a_list_belongs():
    """Issue 2, Errors: ``ingress: frontend``: the path, the line, and the reminder that list items start with '- '."""
    err = error_of(HEADER + "  podSelector: {}\n  ingress: frontend\n")
    assert (type(err), err.path, err.line) == (nl.ValidationError, "spec.ingress", 8)
    assert err.message == ("expected a list but found the string 'frontend' "
                           "(list items start with '- ')")


def test_a_mapping_where_a_list_belongs():
    """Issue 2, Errors: ``from:`` followed by a mapping instead of list items (the '-' was forgotten)."""
    err = error_of(HEADER + "  podSelector: {}\n  ingress:\n    - from:\n"
                   "        podSelector: {matchLabels: {app: a}}\n")
    assert (err.path, err.line) == ("spec.ingress[0].from", 10)
    assert err.message == "expected a list but found a mapping (list items start with '- ')"


def test_a_list_where_a_mapping_belongs():
    """Issue 2, Errors: ``podSelector: [app: api]``: a selector is a mapping."""
    err = error_of(HEADER + "  podSelector:\n    - app: api\n")
    assert (err.path, err.line) == ("spec.podSelector", 8)
    assert err.message == "expected a mapping (key: value pairs) but found a list"


def test_a_scalar_document_is_not_an_object():
    """Issue 2, Errors: A document that is only a word is not a Kubernetes object."""
    err = error_of("hello\n")
    assert (type(err), err.path, err.line) == (nl.ValidationError, "", 1)
    assert err.message == ("expected a Kubernetes object (a mapping with 'kind') but found "
                           "the string 'hello'")


def test_a_document_without_kind():
    """Issue 2, Errors: no kind: the error lists what kinds are read."""
    err = error_of("metadata: {name: x}\nspec: {}\n")
    assert (err.path, err.message) == ("kind", "the document has no 'kind'")
    assert "NetworkPolicy" in err.expected


def test_a_misspelt_kind_is_an_error_not_skipped():
    """Issue 2, Errors: ``kind: Networkpolicy`` would otherwise be skipped silently and the policy vanish."""
    err = error_of(HEADER.replace("kind: NetworkPolicy", "kind: Networkpolicy")
                   + "  podSelector: {}\n")
    assert (err.path, err.line) == ("kind", 2)
    assert err.message == "unknown kind 'Networkpolicy'; did you mean 'NetworkPolicy'?"
    plural = error_of("kind: NetworkPolicies\nmetadata: {name: x}\n")
    assert plural.message == "unknown kind 'NetworkPolicies'; did you mean 'NetworkPolicy'?"


def test_wrong_api_version():
    """§8 / issue 2, Errors: networkPolicy is served by networking.k8s.io/v1 only (extensions/v1beta1 is gone)."""
    err = error_of(HEADER.replace("networking.k8s.io/v1", "extensions/v1beta1")
                   + "  podSelector: {}\n")
    assert (err.path, err.line) == ("apiVersion", 1)
    assert err.message == "apiVersion 'extensions/v1beta1' does not serve NetworkPolicy"


@pytest.mark.parametrize(("spec", "path", "message"), [
    ("  podselector: {}\n", "spec.podselector", "unknown field 'podselector'; did you mean 'podSelector'?"),
    ("  podSelector: {}\n  ingres: []\n", "spec.ingres", "unknown field 'ingres'; did you mean 'ingress'?"),
    ("  podSelector:\n    matchLabel: {app: api}\n", "spec.podSelector.matchLabel",
     "unknown field 'matchLabel'; did you mean 'matchLabels'?"),
    ("  podSelector: {}\n  ingress:\n    - form: []\n", "spec.ingress[0].form",
     "unknown field 'form'; did you mean 'from'?"),
    ("  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/8, excepts: []}}]\n",
     "spec.egress[0].to[0].ipBlock.excepts", "unknown field 'excepts'; did you mean 'except'?"),
    ("  podSelector: {}\n  ingress:\n    - ports: [{port: 80, end_port: 90}]\n",
     "spec.ingress[0].ports[0].end_port", "unknown field 'end_port'; did you mean 'endPort'?"),
    ("  podSelector: {}\n  spec: {}\n", "spec.spec", "unknown field 'spec'"),
])
def test_unknown_field_with_did_you_mean(spec, path, message):
    """§8 / issue 2, Errors: kubectl's strict field validation: an unknown field is an error, with the closest name."""
    err = error_of(HEADER + spec)
    assert (type(err), err.path, err.message) == (nl.ValidationError, path, message)


def test_to_in_an_ingress_rule_is_explained():
    """Issue 2, Errors: ``to`` in an ingress rule: the message says ingress lists peers under 'from'."""
    err = error_of(HEADER + "  podSelector: {}\n  ingress:\n    - to: [{podSelector: {}}]\n")
    assert (err.path, err.line) == ("spec.ingress[0].to", 9)
    assert err.message == ("ingress rules have no 'to' field: an ingress rule lists its peers "
                           "under 'from'")


def test_missing_file_is_reported():
    """Issue 2, Errors: A Path that does not exist is a ParseError naming the file."""
    err = error_of(Path("no/such/policies.yaml"))
    assert (type(err), err.source) == (nl.ParseError, "no/such/policies.yaml")
    assert err.message == "cannot read the file: No such file or directory"


def test_a_str_is_always_text_never_a_file_name(tmp_path, monkeypatch):
    """Issue 11, API: a one-line str ending in .yaml is YAML text, never read as a file."""
    (tmp_path / "secret.yaml").write_text("kind: NetworkPolicy\nmetadata: {name: leaked}\n"
                                          "spec: {podSelector: {}}\n")
    monkeypatch.chdir(tmp_path)
    err = error_of("secret.yaml")
    assert type(err) is nl.ValidationError
    assert "expected a Kubernetes object" in err.message and "leaked" not in str(err)
    assert [p.name for p in nl.load_policies(tmp_path / "secret.yaml")] == ["leaked"]


def test_errors_from_a_file_name_the_file(tmp_path):
    """Issue 2, Errors: reading a path: the error's location starts with the file name."""
    path = tmp_path / "bad.yaml"
    path.write_text(HEADER + "  policyTypes: [Ingres]\n")
    err = error_of(path)
    assert err.source == str(path)
    assert str(err).startswith(f"{path}, document 1, line 7, spec.policyTypes[0]:")


def test_unreadable_python_objects():
    """Issue 2, Errors: neither text, path, dict nor list: the library's own error."""
    err = error_of(42)
    assert (type(err), err.message) == (nl.ParseError, "cannot read YAML from a int")


# --- lists, other kinds, kubectl output -----------------------------------------------------

def test_kind_list_and_networkpolicylist_items_are_read_with_item_paths():
    """Issue 2, Inputs (policies): ``kind: List`` / ``NetworkPolicyList`` wrap items; an error names ``items[i]`` and the line."""
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: a, namespace: production}
    spec: {podSelector: {}}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: b, namespace: production}
    spec:
      podSelector: {}
      policyTypes: [Ingres]
"""
    err = error_of(text)
    assert (err.path, err.line) == ("items[1].spec.policyTypes[0]", 13)
    fixed = text.replace("Ingres]", "Ingress]")
    assert [p.id for p in nl.load_policies(fixed)] == ["production/a", "production/b"]
    as_npl = fixed.replace("kind: List", "kind: NetworkPolicyList").replace(
        "apiVersion: v1", "apiVersion: networking.k8s.io/v1")
    assert [p.id for p in nl.load_policies(as_npl)] == ["production/a", "production/b"]


def test_other_kinds_are_reported_not_fatal():
    """Issue 2, Inputs (policies): A Service or ConfigMap next to a policy is skipped with a note; the policy loads."""
    text = (HEADER + "  podSelector: {}\n---\napiVersion: v1\nkind: Service\n"
            "metadata: {name: api}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n")
    loaded = nl.read(text)
    assert [p.name for p in loaded.policies] == ["p"]
    assert loaded.problems == []
    assert loaded.skipped == ["document 2: Service api (not used by NetworkPolicy)",
                              "document 3: ConfigMap cfg (not used by NetworkPolicy)"]
    assert [p.name for p in nl.load_policies(text)] == ["p"]


KUBECTL_OUTPUT = """\
apiVersion: v1
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"annotations":{},"name":"api-ingress","namespace":"production"},"spec":{"podSelector":{"matchLabels":{"app":"api"}}}}
    creationTimestamp: "2026-11-27T10:00:00Z"
    generation: 1
    managedFields:
    - apiVersion: networking.k8s.io/v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:podSelector: {}
          f:policyTypes: {}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2026-11-27T10:00:00Z"
    name: api-ingress
    namespace: production
    resourceVersion: "4242"
    uid: 0b6a6c1e-8f0e-4f55-9d1c-2a3b4c5d6e7f
  spec:
    ingress:
    - from:
      - podSelector:
          matchLabels:
            app: frontend
      ports:
      - port: 8080
        protocol: TCP
    podSelector:
      matchLabels:
        app: api
    policyTypes:
    - Ingress
  status: {}
kind: List
metadata:
  resourceVersion: ""
"""


def test_kubectl_get_networkpolicy_o_yaml_output_loads():
    """Issue 2, Inputs (policies): ``kubectl get networkpolicy -A -o yaml``: List, annotations, managedFields, status."""
    (policy,) = nl.load_policies(KUBECTL_OUTPUT)
    assert (policy.id, policy.policy_types) == ("production/api-ingress", ("Ingress",))
    assert nl.evaluate(nl.default_cluster(), [policy], "production/frontend", API_ID, 8080).allowed
    assert not nl.evaluate(nl.default_cluster(), [policy], "production/cache", API_ID, 8080).allowed


API_ID = "production/api"


def test_json_input_is_read_like_yaml():
    """Issue 2, Inputs (policies): JSON is YAML: ``kubectl -o json`` output loads, and errors have lines too."""
    data = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "production"},
            "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 70000}]}]}}
    err = error_of(json.dumps(data, indent=2))
    assert (err.path, err.line) == ("spec.ingress[0].ports[0].port", 14)


def test_line_of_an_error_under_a_dotted_label_key():
    """Issue 2, Errors: label keys with dots (``app.kubernetes.io/name``) still locate the exact line."""
    err = error_of(HEADER + "  podSelector:\n    matchLabels:\n      tier: web\n"
                   "      app.kubernetes.io/name: my api\n")
    assert (err.path, err.line) == ("spec.podSelector.matchLabels.app.kubernetes.io/name", 10)
    listed = error_of("kind: List\nitems:\n  - " + (HEADER + "  podSelector:\n    matchLabels:\n"
                      "      tier: web\n      app.kubernetes.io/name: my api\n").replace(
                          "\n", "\n    ").rstrip() + "\n")
    assert (listed.path, listed.line) == (
        "items[0].spec.podSelector.matchLabels.app.kubernetes.io/name", 12)


def test_message_and_expectation_read_as_two_sentences():
    """Errors are read by learners: the message ends with a full stop before 'Expected'."""
    err = nl.ValidationError("0 is out of range", path="p", expected="a number")
    assert str(err) == "p: 0 is out of range. Expected a number."


def test_input_errors_can_be_located_as_a_whole():
    """Several errors found together keep every location when the loader adds one."""
    many = nl.InputErrors([nl.ValidationError("a", path="spec"), nl.ValidationError("b")])
    located = many.located(document=2, source="p.yaml")
    assert [e.location for e in located.errors] == ["p.yaml, document 2, spec",
                                                    "p.yaml, document 2"]
