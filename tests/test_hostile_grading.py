"""Issue 11, the grader against hostile submissions: escapes, reports, near misses, budgets.

Every class here is built in a temporary folder by the test itself; nothing
large is committed. The cases are those of issue 11, each with the wrong
outcome it rules out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from netpol_lab.grading import grade

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
DENY = "ingress-03-namespace-default-deny"
FRONTEND = "ingress-01-frontend-only"


def _csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "grades.csv", keep_default_na=False)


def test_symlinks_to_solutions_and_passwd_score_nothing_and_leak_nothing(tmp_path):
    """A folder of symlinks to the course's solutions scores 0, and /etc/passwd is never read."""
    root = tmp_path / "class"
    (root / "mallory").mkdir(parents=True)
    (root / "mallory" / f"{DENY}.yaml").symlink_to(SOLUTIONS / f"{DENY}.yaml")
    (root / "mallory" / f"{FRONTEND}.yaml").symlink_to("/etc/passwd")
    (root / "linked").symlink_to(SOLUTIONS, target_is_directory=True)
    table = grade(root, out_dir=tmp_path / "out")
    assert set(table["learner"]) == {"mallory"}
    assert not table["passed"].any()
    assert all("symbolic link" in r for r in table["reason"])
    written = (tmp_path / "out" / "grades.csv").read_text() + (
        tmp_path / "out" / "grades.md").read_text()
    assert "root:" not in written and "/bin/" not in written
    assert "linked is a symbolic link to a folder" in written


def test_relative_submissions_folder_is_graded(tmp_path, monkeypatch):
    """``netpol-lab grade class`` from the parent folder: relative paths are read correctly."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / f"{DENY}.yaml").write_text(
        (SOLUTIONS / f"{DENY}.yaml").read_text())
    table = grade(Path("class"))
    assert table["passed"].tolist() == [True], table["reason"].tolist()
