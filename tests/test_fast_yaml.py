"""The optional yaml-rs accelerator reads exactly what PyYAML reads (``netpol-lab[fast]``).

yaml-rs is a YAML 1.2 parser, PyYAML a YAML 1.1 one: ``yes``, ``on``, ``017``,
``0o17``, ``1:30``, ``1e3`` and hashes such as ``5e784673`` mean different things
to them. :mod:`netpol_lab.yaml_accel` uses yaml-rs only where a guard proves it
cannot matter. These tests are that proof, run both ways in one suite: every text
is read with the accelerator switched off (PyYAML through libyaml: the reference)
and on (forced, whatever the text's size), and the documents must be equal value
for value *and type for type* (``True`` is not ``1``, ``1.0`` is not ``1``), or the
errors equal in message, document and line. The corpus is the course's own files,
the YAML inside the test suite, generated clusters of 100 and 1,000 pods, and
Hypothesis streams whose scalars come from a pool of YAML 1.1/1.2 edge cases.

Without yaml-rs installed (the compatibility run) the accelerator is never used:
the tests that need it are skipped, and one test shows that the results are then
PyYAML's.
"""

from __future__ import annotations

import ast
import datetime
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol_lab as nl
from netpol_lab import documents, yaml_accel
from netpol_lab.scenarios import data_text

ROOT = Path(__file__).resolve().parent.parent
HAVE_YAML_RS = yaml_accel.available()
needs_yaml_rs = pytest.mark.skipif(not HAVE_YAML_RS, reason="yaml-rs (netpol-lab[fast]) missing")


def typed(value):
    """A form of ``value`` in which equal means equal value and equal type, NaN included."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def outcome(text: str, accelerated: bool, monkeypatch) -> object:
    """Documents (number, typed data, lines on demand) or the error, as a comparable value."""
    monkeypatch.setattr(yaml_accel, "ENABLED", accelerated)
    monkeypatch.setattr(yaml_accel, "MIN_CHARS", 0)
    try:
        docs = list(documents.iter_documents(text))
        return [(d.number, typed(d.data)) for d in docs]
    except nl.ParseError as exc:
        return ("error", type(exc).__name__, str(exc), exc.document, exc.line, exc.path)


def assert_same(text: str, monkeypatch) -> None:
    reference = outcome(text, False, monkeypatch)
    assert outcome(text, True, monkeypatch) == reference


def used_accelerator(text: str, monkeypatch) -> bool:
    """Whether yaml-rs read this text (some of its documents may have been read by libyaml)."""
    monkeypatch.setattr(yaml_accel, "ENABLED", True)
    monkeypatch.setattr(yaml_accel, "MIN_CHARS", 0)
    return documents._read_accelerated(text) is not None


# --- the corpus -------------------------------------------------------------------------


def yaml_in_python(path: Path) -> list[str]:
    """The string constants of a Python file that look like YAML or JSON (several lines)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and "\n" in node.value and (":" in node.value or "- " in node.value):
            out.append(node.value)
    return out


def corpus() -> list[tuple[str, str]]:
    texts = [("article.yaml", data_text("article.yaml")),
             ("cluster.yaml", data_text("cluster.yaml"))]
    for folder in ("exercises", "solutions", "tests", "netpol_lab/data", "docs"):
        for path in sorted((ROOT / folder).rglob("*.y*ml")):
            texts.append((str(path.relative_to(ROOT)), path.read_text()))
    for path in sorted((ROOT / "tests").glob("*.py")):
        for i, text in enumerate(yaml_in_python(path)):
            texts.append((f"{path.name}#{i}", text))
    return texts


CORPUS = corpus()


def generated(pods: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate
    import yaml

    namespaces, pod_docs, policies = generate.generate(pods, seed=7)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return [yaml.dump_all(namespaces + pod_docs, Dumper=dumper, sort_keys=False),
            yaml.dump_all(policies, Dumper=dumper, sort_keys=False)]


@needs_yaml_rs
def test_the_corpus_reads_the_same(monkeypatch):
    """Every YAML text of the course, its exercises and the test suite: same data, same errors."""
    assert len(CORPUS) > 300
    accelerated = 0
    for name, text in CORPUS:
        reference = outcome(text, False, monkeypatch)
        assert outcome(text, True, monkeypatch) == reference, name
        accelerated += used_accelerator(text, monkeypatch)
    assert accelerated > len(CORPUS) // 3  # the guard lets most of the corpus through


@needs_yaml_rs
@pytest.mark.parametrize("pods", [100, 1000])
def test_generated_clusters_read_the_same_through_yaml_rs(pods, monkeypatch):
    """The benchmark's clusters (pod-template-hash labels such as 5e784673 included)."""
    marked = 0
    for text in generated(pods):
        assert used_accelerator(text, monkeypatch)
        assert_same(text, monkeypatch)
        marked += len(yaml_accel._marked_words(text)[0])
    if pods >= 1000:  # some documents are read again by libyaml (hashes such as 5e784673)
        assert marked


@needs_yaml_rs
def test_the_guard_is_what_keeps_yaml_1_1_meaning(monkeypatch):
    """Without the guard yaml-rs would turn a label 5e784673 into infinity: this would fail."""
    text = ("kind: Pod\nmetadata:\n  name: a\n  labels:\n    pod-template-hash: 5e784673\n"
            "---\nkind: Pod\nmetadata:\n  name: b\n  labels: {on: yes, v: 017}\n"
            "---\nkind: Pod\nmetadata:\n  name: c\n")
    import yaml_rs

    assert math.isinf(yaml_rs.loads(text)[0]["metadata"]["labels"]["pod-template-hash"])
    assert used_accelerator(text, monkeypatch)
    docs = [d.data for d in documents.iter_documents(text)]
    assert docs[0]["metadata"]["labels"]["pod-template-hash"] == "5e784673"
    assert docs[1]["metadata"]["labels"] == {"true": True, "v": 15}
    assert_same(text, monkeypatch)
    # the same read with the guard switched off gives yaml-rs's YAML 1.2 answers
    monkeypatch.setattr(yaml_accel, "_pieces", lambda word: [])
    yaml_accel._verdicts.clear()
    unguarded = [d.data for d in documents.iter_documents(text)]
    assert math.isinf(unguarded[0]["metadata"]["labels"]["pod-template-hash"])
    assert unguarded[1]["metadata"]["labels"] == {"on": "yes", "v": 17}


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    "a: 1\n\tb: 2\n",                       # a tab
    "%YAML 1.1\n---\na: 1\n",               # a directive
    "a: 1\n...\n",                          # a document end
    "a: 1\rb: 2\n",                         # a lone carriage return
    "a: x\x85y\n",                          # YAML 1.1's NEL line break
    "a: x\u2028y\n",
    "a: x\xa0y\n",                          # a space only Python splits at
    "a: " + "x" * 1200 + "\n",              # a key over 1,024 characters may follow
    "a: 1",                                 # no final line break
])
def test_texts_the_guard_cannot_judge_take_the_usual_path(text, monkeypatch):
    assert not used_accelerator(text, monkeypatch)
    assert_same(text, monkeypatch)


@needs_yaml_rs
@pytest.mark.parametrize("word", [
    "yes", "No", "on", "OFF", "y", "0o17", "017", "0b101", "1_000", "1:30", "190:20:30.15",
    "5e784673", "1e3", "1.0e3", "1.0e+3", ".inf", "-.Inf", ".NaN", "~", "null", "Null",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30:45", "=", "<<", "0x1F", "+1", "-0",
    "!!str 1", "&a 1", "*a", '"\\x07"', '"\\ud800"', '"\\N"', "0.", "-.5", "1__0", "0x_1F",
])
def test_each_edge_case_reads_the_same_as_key_and_value(word, monkeypatch):
    for text in (f"k: {word}\n", f"- {word}\n", f"[{word}, x]\n", f"{{k: {word}}}\n",
                 f"{word}: v\n", f"m:\n  {word}: v\n  x: {word}\n", f"k: a\n---\nk: {word}\n",
                 f"k: [{word}]\n---\n- {word}\n- 1\n"):
        assert_same(text, monkeypatch)


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                         # duplicate keys
    "1: a\n'1': b\n",                       # equal once keys are text
    "true: a\n'true': b\n",
    "1.0: a\n1.00: b\n",
    "? [a, b]\n: c\n",                      # a list as a key
    "[1, 2]: x\n",
    "a: [1, 2\n",                           # a syntax error
    "a:\n  - b\n c: d\n",
    "a: 'x\n---\n'\n",                      # a document marker inside quotes
    "k: |\n  x\n---\n",
    "k: |+\n  x\n\n\n",
    "k: >-\n  folded\n  text\n\n  more\n",
    "k: \"a\\\n  b\"\n",
    "k: 'it''s'\n",
    "k: \"\\t\\/\\_\\L\"\n",
    "k: plain\n  continued 5e7\n",
    "k: 2001-12-14\n  21:59:43.10\n",      # a timestamp over two lines
    "- - - - x\n",
    "{a: {b: {c: [1, {d: e}]}}}\n",
    "---\n---\na: 1\n---\n",                 # empty documents keep their numbers
    "# only a comment\n",
    "",
    "~\n---\nnull\n---\na: 1\n",
    "--- a\n--- b\n",
    "x\n",
    "a: b: c\n",
    "'k': \"v\"\n\"1\": 2\n",
    "a: 1\r\nb: [2, 3]\r\n",
    "k: {a:1, b: 2}\n",
    '{"k":5e7, "j": 1}\n',
    "k: " + "9" * 150 + "\n",              # an over-long number
    "[" * 70 + "]" * 70 + "\n",             # nested too deeply
    "- " * 70 + "x\n",
    "".join(" " * i + f"k{i}:\n" for i in range(70)) + " " * 70 + "x\n",
    "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(40)) + " " * 80 + "x\n",
    "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "- - - - - - x\n",
    '"<<": x\n',                            # a merge key, refused even when quoted
    "a: 1\n'<<': [1]\n",
])
def test_structures_and_errors_read_the_same(text, monkeypatch):
    assert_same(text, monkeypatch)


# --- Hypothesis: streams built from YAML 1.1/1.2 edge cases -----------------------------

POOL = ["yes", "No", "on", "OFF", "Y", "n", "true", "False", "0o17", "017", "0b101",
        "1_000", "1:30", "190:20:30.15", "5e784673", "1e3", "1.0e3", "1.0e+3", ".inf",
        "-.Inf", ".NaN", "~", "null", "Null", "NULL", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
        "=", "<<", "0x1F", "+1", "-0", "0", "8080", "-1.5", "0.", ".5", "1_0.0_1",
        "'quoted'", '"8080"', "'yes'", '"\\x07"', '"\\ud800"', '"\\u00e9t\\u00e9"',
        '"tab\\tnew\\nline"', "'it''s'", "api", "web-1", "a b", "x" * 120, "é😀", "app.kubernetes.io/name",
        "10.0.0.0/8", "nginx:1.25", "http://x", "a#b", "a #c", "-x", "?x", "inf", "nan", "Infinity",
        "12:30:45", "00:00:00", "1.0", "1e+3", "0x", "0o", "+.inf", "~x", ""]


@st.composite
def node(draw, depth: int = 0):
    """A YAML node as text, with an indentation marker '\\0' for the block styles."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return ("scalar", draw(st.sampled_from(POOL)))
    kind = draw(st.sampled_from(["map", "seq", "flowmap", "flowseq"]))
    size = draw(st.integers(0, 3))
    if kind in ("map", "flowmap"):
        keys = [draw(st.sampled_from([*POOL[:40], "a", "b", "c", "a"])) for _ in range(size)]
        return (kind, [(k, draw(node(depth + 1))) for k in keys])
    return (kind, [draw(node(depth + 1)) for _ in range(size)])


def render(n, indent: int = 0) -> str:
    """The node as YAML text; block collections start on a new line."""
    kind, body = n
    pad = " " * indent
    if kind == "scalar":
        return body
    if kind == "flowseq":
        return "[" + ", ".join(render(x) if x[0] != "map" and x[0] != "seq"
                               else render(("flow" + x[0], x[1])) for x in body) + "]"
    if kind == "flowmap":
        return "{" + ", ".join(f"{k}: " + (render(v) if v[0] not in ("map", "seq")
                                           else render(("flow" + v[0], v[1])))
                               for k, v in body) + "}"
    if not body:
        return "{}" if kind == "map" else "[]"
    lines = []
    for item in body:
        key, value = item if kind == "map" else ("-", item)
        lead = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if value[0] in ("map", "seq") and value[1]:
            lines.append(lead + "\n" + render(value, indent + 2))
        else:
            lines.append(f"{lead} {render(value, indent + 2)}")
    return "\n".join(lines)


TEMPLATES = [  # documents around two words: block scalars, folding, comments, explicit keys
    "k: |\n  {0}\n  {1}\n", "k: >-\n  {0}\n\n  {1}\n", "k: |+\n  {0}\n\n", "k: {0}\n  {1}\n",
    "? {0}\n: {1}\n", "- {0} # {1}\n", '"{0}": {1}\n', "k: '{0}\n  {1}'\n", "{0}:\n- {1}\n",
    'k: "{0}\n  {1}"\n', "{0}: {1}\n{0}: x\n", "- [{0}, {1}]\n- {{{0}: {1}}}\n", "{0}\n",
    "k:\n  - {0}\n  -\n    {1}\n", "- {0}: {1}\n  x: [{1}]\n", "k: {0} {1}\n", "k: {0}#{1}\n",
]


@st.composite
def stream(draw):
    """A stream of one to four documents, generated trees or templates, sometimes with CRLF."""
    docs = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 2)) == 0:
            words = draw(st.lists(st.sampled_from(POOL), min_size=2, max_size=2))
            docs.append(draw(st.sampled_from(TEMPLATES)).format(*words))
        else:
            docs.append(render(draw(node())) + "\n")
        if draw(st.integers(0, 5)) == 0:
            docs[-1] = docs[-1].replace("\n", f"  # {draw(st.sampled_from(POOL))}\n", 1)
    text = "---\n".join(docs) if draw(st.booleans()) else "---\n" + "---\n".join(docs)
    return text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text


@needs_yaml_rs
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=stream())
def test_generated_streams_read_the_same(text):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_same(text, monkeypatch)


# --- without yaml-rs -------------------------------------------------------------------


def test_without_yaml_rs_the_usual_path_reads_everything(monkeypatch):
    """A missing (or untested) yaml-rs is simply not used: the documents are PyYAML's."""
    monkeypatch.setattr(yaml_accel, "_yaml_rs", False)
    monkeypatch.setattr(yaml_accel, "MIN_CHARS", 0)
    text = "kind: Pod\nmetadata:\n  labels: {h: 5e784673, on: yes, v: 017}\n"
    assert yaml_accel.read(text, lambda chunk, number: None) is None
    [doc] = documents.iter_documents(text)
    assert doc.data["metadata"]["labels"] == {"h": "5e784673", "true": True, "v": 15}


def test_importing_netpol_lab_does_not_import_yaml_rs():
    """yaml-rs is imported on the first large text only: ``import netpol_lab`` stays as fast."""
    code = "import sys, netpol_lab; print('yaml_rs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_dates_and_times_are_left_to_pyyaml():
    """A timestamp can go on after a space or on the next line: its document is PyYAML's."""
    assert yaml_accel._pieces("2001-12-14") is None
    assert yaml_accel._pieces("12:30:45") is None
    assert yaml_accel._pieces('"2001-12-14"') == []  # quoted: text for both readers
    assert datetime.date(2001, 12, 14) == next(documents.iter_documents(
        "k: 2001-12-14\n")).data["k"]


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    "a:\n  b:\n    c:\n      d:\n        e:\n          f: x\n",
    "- - - - - - x\n",
    "a: [1, [2, [3, [4, [5, [6]]]]]]\n",
    "a: {b: 1, c: 2}\nd: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]\n",
    "k: " + "x " * 30 + "\n" + "".join(f"k{i}: {i}\n" for i in range(25)),
    "---\n" + "".join(f"k{i}: {i}\n" for i in range(15)) + "---\n" + "- 1\n" * 45,
])
def test_depth_and_value_limits_are_judged_the_same(text, monkeypatch):
    """With tiny limits the accelerated read refuses exactly the documents the builder does."""
    monkeypatch.setattr(documents, "MAX_DEPTH", 5)
    monkeypatch.setattr(documents, "MAX_VALUES", 40)
    assert_same(text, monkeypatch)


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    "- " * 20_000 + "x\n",                                            # crashes yaml-rs itself
    "".join(" " * i + f"k{i}:\n" for i in range(0, 400, 4)) + " " * 400 + "x\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)),         # a 'billion laughs' bomb
])
def test_hostile_nesting_and_aliases_never_reach_yaml_rs(text, monkeypatch):
    """yaml-rs expands aliases and recurses without a limit of its own: the guard refuses first."""
    assert not used_accelerator(text, monkeypatch)
    assert_same(text, monkeypatch)


@needs_yaml_rs
def test_a_validation_error_in_a_large_export_keeps_its_line(monkeypatch):
    """Read by yaml-rs, a 1,000-pod export's error still names the field path and line."""
    cluster, _ = generated(1000)
    lines = cluster.splitlines(keepends=True)
    at = max(i for i, line in enumerate(lines) if "containerPort:" in line)
    lines[at] = lines[at].split("containerPort:")[0] + "containerPort: 70000\n"
    text = "".join(lines)
    assert used_accelerator(text, monkeypatch)

    def error(accelerated: bool) -> tuple:
        monkeypatch.setattr(yaml_accel, "ENABLED", accelerated)
        with pytest.raises(nl.NetpolError) as err:
            nl.load_cluster(text)
        return str(err.value), err.value.line, err.value.document

    assert error(True) == error(False)
    assert error(True)[1] == at + 1 and "containerPort" in error(True)[0]


def test_an_untested_yaml_rs_version_is_not_used(monkeypatch):
    """The equality is proven for the pinned version only; another one is left alone."""
    fake = type(sys)("yaml_rs")
    fake.__version__ = "9.9.9"
    fake.loads = lambda text: {"wrong": True}
    monkeypatch.setitem(sys.modules, "yaml_rs", fake)
    monkeypatch.setattr(yaml_accel, "_yaml_rs", None)
    monkeypatch.setattr(yaml_accel, "MIN_CHARS", 0)
    assert not yaml_accel.available()
    [doc] = documents.iter_documents("kind: Pod\n")
    assert doc.data == {"kind": "Pod"}


LAST_APPLIED = ('{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":'
                '{"annotations":{},"name":"p","namespace":"x"},"spec":{"ingress":['
                + ",".join(f'{{"ports":[{{"port":{p}}}]}}' for p in range(100)) + "]}}")


@needs_yaml_rs
def test_kubectl_last_applied_annotation_is_read_by_yaml_rs(monkeypatch):
    """A long line of JSON in a block scalar (``key: |``) is text: the guard lets it through."""
    text = ("kind: NetworkPolicy\nmetadata:\n  annotations:\n"
            "    kubectl.kubernetes.io/last-applied-configuration: |\n"
            f"      {LAST_APPLIED}\n  name: p\n")
    assert len(LAST_APPLIED) > 1100
    assert used_accelerator(text, monkeypatch)
    assert_same(text, monkeypatch)


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    f'"{"k" * 1100}": 1\n',                                   # a key over 1,024 characters
    f"a: |\n{LAST_APPLIED}: 1\n",                              # not indented under the header
    f"a:\n  {LAST_APPLIED}\n",                                 # no block scalar header
    f"a: |\n  x\n  {LAST_APPLIED}\n",                          # not the first line
    "{" + ", ".join(f'"k{i}": {i}' for i in range(150)) + "}\n",
    "{" + "x" * 1100 + ": 1}\n",
])
def test_other_long_lines_take_the_usual_path(text, monkeypatch):
    assert not used_accelerator(text, monkeypatch)
    assert_same(text, monkeypatch)
