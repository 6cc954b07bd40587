"""Classroom grading: a sample class folder with good, wrong, invalid and missing answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netpol_lab.errors import NetpolError
from netpol_lab.grading import grade

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
FRONTEND = "ingress-01-frontend-only"
DNS = "debugging-03-dns-broken"

WIDE_OPEN = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{namespaceSelector: {}}]
      ports: [{port: 8080}]
"""

EXPECTED_CSV = """\
learner,exercise,topic,difficulty,status,passed,wrong,checked,causes,reason
alice,ingress-01-frontend-only,ingress,beginner,passed,True,0,2736,0,
alice,debugging-03-dns-broken,debugging,intermediate,passed,True,0,2736,0,
bob,ingress-01-frontend-only,ingress,beginner,failed,False,7,2736,1,"7 of 2736 connections wrong, \
1 cause: api-ingress, ingress rule 1 (spec.ingress[0]): from[0] admits every pod in every namespace: \
7 connections that must stay closed (e.g. production/mobile-bff → production/api 8080/TCP)"
bob,debugging-03-dns-broken,debugging,intermediate,missing,False,0,0,0,missing: no file \
debugging-03-dns-broken.yaml in bob/
carol,ingress-01-frontend-only,ingress,beginner,invalid,False,0,0,0,"invalid: line 20, \
spec.ingress[0].ports[0].port: 70000 is out of range (expected a number from 1 to 65535)"
carol,debugging-03-dns-broken,debugging,intermediate,invalid,False,0,0,0,"invalid: line 2: YAML \
syntax error: mapping values are not allowed here (expected consistent indentation, and a space \
after each ':')"
dave,ingress-01-frontend-only,ingress,beginner,missing,False,0,0,0,"missing: no file \
ingress-01-frontend-only.yaml in dave/ (found ingress-01.yaml, which is not named after the \
exercise)"
dave,debugging-03-dns-broken,debugging,intermediate,invalid,False,0,0,0,invalid: the answer holds \
no NetworkPolicy (expected at least one document with kind: NetworkPolicy)
"""


@pytest.fixture
def classroom(tmp_path) -> Path:
    """alice: both right; bob: one wrong, one missing; carol: two invalid files;
    dave: a misnamed file and an empty one; plus things that are not learners."""
    root = tmp_path / "class"
    for learner in ("alice", "bob", "carol", "dave", ".ipynb_checkpoints"):
        (root / learner).mkdir(parents=True)
    (root / "alice" / f"{FRONTEND}.yaml").write_text((SOLUTIONS / f"{FRONTEND}.yaml").read_text())
    (root / "alice" / f"{DNS}.yml").write_text((SOLUTIONS / f"{DNS}.yaml").read_text())
    (root / "alice" / "notes.txt").write_text("not an answer")
    (root / "bob" / f"{FRONTEND}.yaml").write_text(WIDE_OPEN)
    (root / "carol" / f"{FRONTEND}.yaml").write_text(
        (SOLUTIONS / f"{FRONTEND}.yaml").read_text().replace("port: 8080", "port: 70000"))
    (root / "carol" / f"{DNS}.yaml").write_text("kind: NetworkPolicy\nmetadata: name: x: y\n")
    (root / "dave" / "ingress-01.yaml").write_text(WIDE_OPEN)
    (root / "dave" / f"{DNS}.yaml").write_text("# I did not finish\n")
    (root / "README.md").write_text("the class of 2026")
    return root


def test_sample_class_gives_exactly_the_expected_csv(classroom, tmp_path):
    out = tmp_path / "report"
    table = grade(classroom, out_dir=out)
    assert (out / "grades.csv").read_text() == EXPECTED_CSV
    assert list(table["status"]) == ["passed", "passed", "failed", "missing", "invalid",
                                     "invalid", "missing", "invalid"]
    assert not (classroom / "grades.csv").exists()


def test_markdown_summary_per_learner_per_exercise_with_reasons(classroom):
    grade(classroom)
    text = (classroom / "grades.md").read_text()
    assert text.startswith("# Grades: class\n\n4 learners, 2 exercises: 2 of 8 answers pass.")
    assert "| alice | 2/2 | 2 | 0 | 0 | 0 |" in text
    assert "| carol | 0/2 | 0 | 0 | 2 | 0 |" in text
    assert "| ingress-01-frontend-only | ingress | beginner | 1/4 |" in text
    assert "### bob\n\n- ✗ `ingress-01-frontend-only` (failed): 7 of 2736 connections wrong" in text
    assert "### alice" not in text
    assert ("- dave/ingress-01.yaml does not name an exercise; ignored "
            "(did they mean ingress-01-frontend-only?)") in text


def test_exercises_can_be_chosen(classroom):
    table = grade(classroom, exercises=["egress-01-api-to-database"])
    assert set(table["status"]) == {"missing"}
    assert len(table) == 4
    with pytest.raises(NetpolError, match="no exercise 'nope'"):
        grade(classroom, exercises=["nope"])


def test_empty_class_and_missing_folder(tmp_path):
    table = grade(tmp_path)
    assert table.empty and list(table.columns)[:2] == ["learner", "exercise"]
    assert "No answers to grade" in (tmp_path / "grades.md").read_text()
    with pytest.raises(NetpolError, match="no submissions folder"):
        grade(tmp_path / "absent")


def test_csv_reads_back_as_the_dataframe(classroom):
    table = grade(classroom)
    back = pd.read_csv(classroom / "grades.csv", keep_default_na=False)
    assert back["status"].tolist() == table["status"].tolist()
    assert back["reason"].tolist() == table["reason"].tolist()
