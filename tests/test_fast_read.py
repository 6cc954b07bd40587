"""The fast read path (no line map until asked; JSON through the json module) equals the
careful one: same documents, same data, same lines, same errors.

``iter_documents`` reads text on a fast path first and leaves anything unusual to the
line-tracking path; these tests run both over the course's own files, generated
clusters, YAML 1.1 scalars that YAML 1.2 parsers read differently, duplicate keys, and
JSON with the values the json module and PyYAML judge differently.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import netpol_lab as nl
from netpol_lab import documents
from netpol_lab.scenarios import data_text

ROOT = Path(__file__).resolve().parent.parent

YAML_11 = """\
kind: Cluster
namespaces:
  ns: {labels: {a: yes, b: on, c: "on", d: 0o17, e: 017, f: 1_000, g: 1:20, h: 0b101,
                i: 1e3, j: 1.5e+3, k: ~, l: null, m: .inf, n: 2001-12-14, o: 0x1f, p: Off,
                q: '1', r: y, s: -0, t: +12, u: 1.0e3, v: "", w: !!str 7}}
"""


def corpus() -> list[tuple[str, str]]:
    texts = [("article.yaml", data_text("article.yaml")), ("cluster.yaml",
                                                           data_text("cluster.yaml"))]
    for folder in ("exercises", "solutions"):
        for path in sorted((ROOT / folder).glob("*.yaml"))[:60]:
            texts.append((path.name, path.read_text()))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    namespaces, pods, policies = generate.generate(60, seed=3)
    import yaml

    texts.append(("generated.yaml", yaml.safe_dump_all(namespaces + pods + policies)))
    texts.append(("generated.json", json.dumps({"kind": "List", "items": pods + policies})))
    texts.append(("yaml-1.1.yaml", YAML_11))
    return texts


def both(text: str) -> tuple[list, list]:
    fast = list(documents.iter_documents(text))
    careful = list(documents.iter_documents(text, track_lines="always"))
    return fast, careful


@pytest.mark.parametrize(("name", "text"), corpus(), ids=lambda x: x if len(x) < 40 else "")
def test_fast_path_gives_the_careful_paths_documents_data_and_lines(name, text):
    fast, careful = both(text)
    assert [(d.number, d.data) for d in fast] == [(d.number, d.data) for d in careful]
    assert [d.lines for d in fast] == [d.lines for d in careful]  # read again on demand


def test_yaml_1_1_scalars_keep_pyyaml_meaning():
    """yes/on are booleans, 017 is octal, 1_000 and 1:20 are integers, 1e3 is text."""
    [doc] = documents.iter_documents(YAML_11)
    labels = doc.data["namespaces"]["ns"]["labels"]
    assert (labels["a"], labels["b"], labels["c"], labels["e"], labels["f"], labels["g"]) == (
        True, True, "on", 15, 1000, 80)
    assert (labels["d"], labels["i"], labels["j"], labels["w"]) == ("0o17", "1e3", 1500.0, "7")


@pytest.mark.parametrize("text", [
    '{"kind": "NetworkPolicy", "kind": "Pod"}',                 # duplicate key
    '{"kind": "NetworkPolicy", "metadata": {"name": "a\\u0007"}}',  # control character
    '{"kind": "NetworkPolicy", "spec": {"x": 1e3}}',            # YAML 1.1 reads 1e3 as text
    '{"kind": "NetworkPolicy", "spec": {"x": NaN}}',            # not JSON, but YAML text
    '{"kind": "NetworkPolicy", "spec": {"x": ' + "9" * 200 + "}}",  # an over-long number
    "kind: NetworkPolicy\nkind: Pod\n",                         # duplicate key in YAML
    "a: [1, 2\n",                                               # a syntax error
])
def test_unusual_input_gets_the_careful_paths_answer(text):
    def outcome(track_lines: str):
        try:
            return [(d.number, d.data) for d in documents.iter_documents(
                text, track_lines=track_lines)]
        except nl.ParseError as exc:
            return (type(exc), str(exc))

    assert outcome("on-demand") == outcome("always")


def test_validation_errors_keep_their_line_after_a_fast_read():
    """The line map is built when an error asks for it: the error still names the line."""
    text = ("kind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector: {}\n"
            "  ingress:\n  - ports:\n    - port: 70000\n")
    with pytest.raises(nl.NetpolError) as err:
        nl.load_policies(text)
    assert err.value.line == 7 and "spec.ingress[0].ports[0].port" in str(err.value)
    as_json = json.dumps(documents.iter_documents(text).__next__().data, indent=1)
    with pytest.raises(nl.NetpolError) as err:
        nl.load_policies(as_json)
    assert err.value.line == as_json.splitlines().index('      "port": 70000') + 1
