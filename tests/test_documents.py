"""The YAML reader: libyaml's fast composer and the pure-Python one agree exactly."""

from __future__ import annotations

import pytest

import netpol_lab as nl
from netpol_lab import documents
from netpol_lab.scenarios import data_text

pytestmark = pytest.mark.skipif(documents.FAST_COMPOSER is None,
                                reason="PyYAML was built without libyaml")


@pytest.mark.parametrize("name", ["article.yaml", "cluster.yaml"])
def test_fast_and_pure_composers_give_the_same_documents_and_lines(name, monkeypatch):
    """Data, document numbers and the line of every field are identical on both paths."""
    text = data_text(name)
    fast = list(documents.iter_documents(text))
    monkeypatch.setattr(documents, "FAST_COMPOSER", None)
    pure = list(documents.iter_documents(text))
    assert [(d.number, d.data, d.lines) for d in fast] == [(d.number, d.data, d.lines)
                                                          for d in pure]


def test_syntax_errors_keep_the_pure_python_wording():
    """libyaml words errors differently; the reader re-reads bad text for PyYAML's message."""
    with pytest.raises(nl.ParseError) as err:
        nl.load_policies("kind: NetworkPolicy\nmetadata:\n  name: p\n    namespace: x\n")
    assert err.value.message == "YAML syntax error: mapping values are not allowed here"
    assert err.value.line == 4
