"""Issue 11, Values: numbers of any spelling and size, odd strings, non-ASCII digits.

Each gets netpol_lab's own error with the field path, as the API server would
reject it, never Python's ValueError or UnicodeEncodeError, and every message
quotes the input as a short excerpt only.
"""

from __future__ import annotations

import pytest

import netpol_lab as nl
from netpol_lab.cli import main

HEADER = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: production}
spec:
  podSelector: {}
  ingress:
    - ports:
        - port: """
PORT_PATH = "spec.ingress[0].ports[0].port"


def error_of(source) -> nl.NetpolError:
    with pytest.raises(nl.NetpolError) as info:
        nl.load_policies(source)
    return info.value


@pytest.mark.parametrize("number", [
    "0x" + "f" * 5000,            # hex: Python reads it, but no field holds it
    "0b" + "1" * 20000,           # binary
    "0" + "7" * 5000,             # YAML 1.1 octal
    "1" + ":59" * 3000,           # YAML 1.1 base 60: quadratic to read
    "9" * 5000,                   # decimal over Python's 4,300-digit limit
    "1_000" * 2000,               # with separators
    "9" * 5000 + ".5",            # a float
])
def test_huge_numbers_of_any_spelling_name_the_field(number):
    """Every spelling of a huge number: ParseError with field path and line, message bounded."""
    err = error_of(HEADER + number + "\n")
    assert type(err) is nl.ParseError
    assert (err.path, err.line) == (PORT_PATH, 8)
    assert "far too many for any field" in err.message and len(str(err)) < 300


def test_small_hex_port_is_a_number_and_checked_as_one():
    """YAML 1.1 reads 0x1F90 as 8080: accepted; 0x10000 is out of range, with the path."""
    (policy,) = nl.load_policies(HEADER + "0x1F90\n")
    assert policy.ingress[0].ports[0].port == 8080
    err = error_of(HEADER + "0x10000\n")
    assert (err.path, err.message) == (PORT_PATH, "65536 is out of range")


def test_huge_int_from_python_data_is_our_error():
    """A dict built in Python with 10**5000 as the port: no ValueError from str(int)."""
    policy = nl.load_policies(HEADER + "80\n")  # the shape, then a hostile value
    assert policy
    data = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "production"},
            "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 10 ** 5000}]}]}}
    err = error_of(data)
    assert err.path == PORT_PATH and "out of range" in err.message and len(err.message) < 120


@pytest.mark.parametrize(("value", "what"), [
    ('"\\ud800"', "a lone surrogate (U+D800)"),
    ('"a\\udfffb"', "a lone surrogate (U+DFFF)"),
    ('"api\\x07"', "an invisible control character (U+0007)"),
    ('"api\\0"', "an invisible control character (U+0000)"),
    ('"\\x9b31m"', "an invisible control character (U+009B)"),
])
def test_surrogates_and_control_characters_are_refused_with_the_path(value, what):
    """Escapes that make unwritable or terminal-garbling text: refused where they stand."""
    text = HEADER.replace("podSelector: {}", f"podSelector: {{matchLabels: {{app: {value}}}}}")
    err = error_of(text + "80\n")
    assert (err.path, err.line) == ("spec.podSelector.matchLabels.app", 5)
    assert what in err.message
    str(err).encode("utf-8")  # the message itself is writable


def test_trailing_newline_is_not_a_valid_name():
    """``$`` matched before a final newline: "api\\n" passed as a name; fullmatch refuses it."""
    text = HEADER.replace("name: p,", 'name: "api\\n",')
    err = error_of(text + "80\n")
    assert err.path == "metadata.name" and "is not a valid" in err.message


@pytest.mark.parametrize("port", ['"٨٠"', '"８０"', "٨٠"])
def test_non_ascii_digits_are_not_a_port_number(port):
    """ "٨٠" (Arabic-Indic 80) is not port 80, and not a valid port name either."""
    err = error_of(HEADER + port + "\n")
    assert err.path == PORT_PATH and "is not a valid named port" in err.message


def test_non_ascii_digits_in_a_compact_cluster_port_are_refused():
    """The compact cluster format read "٨٠" as 80 through int()."""
    with pytest.raises(nl.NetpolError) as info:
        nl.load_cluster("pods:\n  - {name: a, namespace: x, ports: ['٨٠']}\n")
    assert info.value.path == "pods[0].ports[0]"


def test_non_ascii_digits_on_the_command_line_are_a_name(capsys):
    """``explain ... ٨٠`` asks for a port named ٨٠, which the pod does not have."""
    code = main(["explain", "production/frontend", "production/api", "٨٠"])
    assert code == 1 and "has no port named '٨٠'" in capsys.readouterr().err


def test_merge_key_error_has_a_field_path():
    """YAML ``<<`` merge keys are refused with the field path where they stand."""
    text = HEADER.replace("  podSelector: {}", "  podSelector:\n    <<: {matchLabels: {a: b}}")
    err = error_of(text + "80\n")
    assert (err.path, err.line) == ("spec.podSelector.<<", 6)
    assert "merge keys" in err.message


@pytest.mark.parametrize("where", ["metadata.name", "label", "cidr", "unknown field"])
def test_quoted_input_is_an_excerpt(where):
    """A 1 MB value is quoted as an excerpt: the whole message stays short."""
    big = "x" * 1_000_000
    text = {
        "metadata.name": HEADER.replace("name: p,", f"name: {big},") + "80\n",
        "label": HEADER.replace("podSelector: {}", f"podSelector: {{matchLabels: {{a: {big}}}}}")
        + "80\n",
        "cidr": HEADER.replace("    - ports:\n        - port: ",
                               f"    - from: [{{ipBlock: {{cidr: {big}}}}}]\n") + "\n",
        "unknown field": {"kind": "NetworkPolicy", "metadata": {"name": "p"},
                          "spec": {"podSelector": {}, big: 1}},
    }[where]
    err = error_of(text)
    assert len(str(err)) < 1000, str(err)[:300]
    assert "1,000,000 characters" in str(err)


def test_playground_and_exercise_widget_refuse_over_long_input():
    """Issue 11, Budgets: an editor over the core's limit gets a clear message, not a long wait."""
    from netpol_lab.documents import MAX_EDITOR_CHARS
    from netpol_lab.quiz import ExerciseWidget
    from netpol_lab.widgets import evaluate_text

    text = "kind: NetworkPolicy\n" + "#" * MAX_EDITOR_CHARS
    out = evaluate_text(text, nl.default_cluster())
    assert not out.valid and "more than the limit of 100,000" in out.errors[0].message
    widget = ExerciseWidget("ingress-03-namespace-default-deny")
    widget.editor.value = text
    assert widget.check() is None
    assert "more than the limit of 100,000" in widget.feedback.value
    widget.editor.value = text[:MAX_EDITOR_CHARS]  # just under: checked as usual
    assert widget.check() is not None
