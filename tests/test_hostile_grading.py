"""Issue 11, the grader against hostile submissions: escapes, reports, near misses, budgets.

Every class here is built in a temporary folder by the test itself; nothing
large is committed. The cases are those of issue 11, each with the wrong
outcome it rules out.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from limits import run_cli

from netpol_lab.cli import main
from netpol_lab.errors import NetpolError
from netpol_lab.exercises import check as real_check
from netpol_lab.grading import Budget, grade

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


def _class(tmp_path: Path, answers: dict) -> Path:
    """A submissions folder from ``{"learner/file": text}``."""
    root = tmp_path / "class"
    root.mkdir(exist_ok=True)
    for where, text in answers.items():
        path = root / where
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _solution(ex_id: str = DENY) -> str:
    return (SOLUTIONS / f"{ex_id}.yaml").read_text()


def test_hidden_files_and_folders_are_skipped(tmp_path):
    """``.git``, ``.ipynb_checkpoints`` and ``.ID.yaml`` are never graded, nor near misses."""
    root = _class(tmp_path, {f"ana/.{DENY}.yaml": _solution(),
                             f"ana/.git/{DENY}.yaml": _solution(),
                             f"ana/.ipynb_checkpoints/{DENY}.yaml": _solution(),
                             f"ben/{DENY}.yaml": _solution()})
    table = grade(root, out_dir=tmp_path / "out")
    assert table.set_index("learner")["status"].to_dict() == {"ana": "missing", "ben": "passed"}


@pytest.mark.parametrize("name", [f"{DENY.upper()}.YAML", f"{DENY}.yaml.txt", f"{DENY}.Yml",
                                  f"homework/{DENY}.yaml", f"homework/{DENY.upper()}.yaml"])
def test_near_miss_answer_files_are_graded_and_say_so(tmp_path, name):
    """Other case, ``.yaml.txt``, one folder too deep: graded, and the reason names the file."""
    root = _class(tmp_path, {f"ana/{name}": _solution()})
    table = grade(root, out_dir=tmp_path / "out", exercises=[DENY])
    row = table.iloc[0]
    assert row["status"] == "passed", row["reason"]
    assert row["reason"] == f"graded {name} as {DENY}.yaml"


def test_ambiguous_near_misses_are_missing_with_both_names(tmp_path):
    """Two near misses for one exercise: not guessed; the reason names both and the fix."""
    root = _class(tmp_path, {f"ana/{DENY.upper()}.yaml": _solution(),
                             f"ana/{DENY}.YAML": "kind: nonsense"})
    row = grade(root, out_dir=tmp_path / "out", exercises=[DENY]).iloc[0]
    assert row["status"] == "missing"
    assert f"{DENY.upper()}.yaml and {DENY}.YAML" in row["reason"]
    assert f"rename the one to grade to {DENY}.yaml" in row["reason"]


def test_exact_name_beats_a_near_miss(tmp_path):
    """``ID.yaml`` is graded even when ``ID.YAML`` (a wrong answer) sits next to it."""
    root = _class(tmp_path, {f"ana/{DENY}.yaml": _solution(), f"ana/{DENY}.YAML": "kind: x"})
    row = grade(root, out_dir=tmp_path / "out", exercises=[DENY]).iloc[0]
    assert (row["status"], row["reason"]) == ("passed", "")


def test_any_folder_name_is_graded_and_shown_escaped(tmp_path):
    """A non-UTF-8 folder name, a newline in a name: graded, shown escaped, reports written."""
    root = tmp_path / "class"
    root.mkdir()
    for raw in (b"al\xffice", b"bo\nb", "zoë".encode()):
        folder = Path(os.fsdecode(bytes(root) + b"/" + raw))
        folder.mkdir()
        (folder / f"{DENY}.yaml").write_text(_solution())
    table = grade(root, out_dir=tmp_path / "out")
    assert sorted(table["learner"]) == ["al\\xffice", "bo\\nb", "zoë"]
    assert table["passed"].all()
    assert "al\\\\xffice" in (tmp_path / "out" / "grades.md").read_text()
    assert _csv(tmp_path / "out")["learner"].tolist() == table["learner"].tolist()


HOSTILE_NAMES = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd", "-2+3", "@SUM(A1)",
                 "<img src=x onerror=alert(1)>", "*bold*|pipe", "[link](evil)"]


def test_csv_cells_never_start_a_formula_and_markdown_is_inert(tmp_path):
    """Folder names (and the reasons that quote them) cannot become formulas, markup or HTML."""
    answers = {f"{name}/{DENY}.yaml": "kind: NetworkPolicy\nmetadata: {name: \"=1+2\"}\n"
               for name in HOSTILE_NAMES}
    root = _class(tmp_path, answers)
    table = grade(root, out_dir=tmp_path / "out")
    assert len(table) == len(HOSTILE_NAMES)
    with open(tmp_path / "out" / "grades.csv", newline="") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK" in "".join(cells)
    md = (tmp_path / "out" / "grades.md").read_text()
    assert "<img" not in md and "&lt;img" in md
    assert "\\*bold\\*\\|pipe" in md and "\\[link\\](evil)" in md


def test_out_folder_problems_are_clear_errors_before_grading(tmp_path, monkeypatch):
    """Out is a file, cannot be created, inside the submissions, or its report is a folder."""
    root = _class(tmp_path, {f"ana/{DENY}.yaml": _solution()})
    monkeypatch.setattr("netpol_lab.grading.check", _never)
    (tmp_path / "file").write_text("x")
    cases = {tmp_path / "file": "is a file, not a folder",
             tmp_path / "file" / "sub": "cannot write the reports into",
             root / "reports": "inside the submissions folder"}
    for out, message in cases.items():
        with pytest.raises(NetpolError, match=message):
            grade(root, out_dir=out)
    (root / "grades.csv").mkdir()  # a learner folder named like a report
    with pytest.raises(NetpolError, match=r"grades\.csv is a folder"):
        grade(root)


def _never(*args, **kwargs):
    raise AssertionError("grading started before the out folder was checked")


def test_a_learner_named_like_a_report_is_graded_normally(tmp_path):
    """A learner folder ``grades.csv`` is a learner like any other when --out is elsewhere."""
    root = _class(tmp_path, {f"grades.csv/{DENY}.yaml": _solution(),
                             f"grades.md/{DENY}.yaml": "kind: x"})
    table = grade(root, out_dir=tmp_path / "out")
    assert table.set_index("learner")["status"].to_dict() == {"grades.csv": "passed",
                                                              "grades.md": "invalid"}


def test_reports_replace_a_planted_symlink_and_never_write_through_it(tmp_path):
    """A symlink planted at out/grades.md: replaced by the report, its target untouched."""
    root = _class(tmp_path, {f"ana/{DENY}.yaml": _solution()})
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("grades.md", "grades.csv"):
        (out / name).symlink_to(victim)
    grade(root, out_dir=out)
    assert victim.read_text() == "precious"
    assert not (out / "grades.md").is_symlink() and (out / "grades.md").is_file()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_two_graders_writing_one_out_folder_leave_whole_reports(tmp_path):
    """Two grading runs at once into one folder: each report is one run's, whole."""
    root = _class(tmp_path, {f"l{i}/{DENY}.yaml": _solution() for i in range(30)})
    out = tmp_path / "out"
    code = ("from netpol_lab.grading import grade\n"
            f"for _ in range(3): grade({str(root)!r}, out_dir={str(out)!r}, exercises="
            f"[{DENY!r}, {FRONTEND!r}])\n")
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    table = _csv(out)
    assert len(table) == 60 and set(table["status"]) == {"passed", "missing"}
    assert (out / "grades.md").read_text().count("## Per learner") == 1


def test_repeated_exercise_flag_is_a_usage_error(tmp_path, capsys):
    """``--exercise X --exercise X``: exit 2 with a message, not silently merged."""
    root = _class(tmp_path, {f"ana/{DENY}.yaml": _solution()})
    code = main(["grade", str(root), "--exercise", DENY, "--exercise", DENY])
    assert code == 2 and f"--exercise {DENY} is given twice" in capsys.readouterr().err
    with pytest.raises(NetpolError, match="named twice"):
        grade(root, exercises=[DENY, DENY])


@pytest.mark.parametrize("kind", ["fifo", "too-big", "hard-link", "binary", "dev-null-link"])
def test_hostile_answer_files_fail_with_a_reason(tmp_path, kind):
    """A FIFO (no hang), a file over the size cap, a hard link, binary data, a link to a device."""
    root = _class(tmp_path, {f"ben/{DENY}.yaml": _solution()})
    path = root / "ana" / f"{DENY}.yaml"
    path.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "too-big":
        path.write_text("#" * 2048 + "\n" + _solution())
    elif kind == "hard-link":
        os.link(root / "ben" / f"{DENY}.yaml", path)
    elif kind == "binary":
        path.write_bytes(b"\x00\xff" * 100)
    else:
        path.symlink_to("/dev/null")
    table = grade(root, out_dir=tmp_path / "out", budget=Budget(max_bytes=2048))
    row = table.set_index("learner").loc["ana"]
    expected = {"fifo": "FIFO", "too-big": "more than the limit of 2,048", "hard-link":
                "hard links", "binary": "not UTF-8", "dev-null-link": "symbolic link"}[kind]
    assert row["status"] == "invalid" and expected in row["reason"], row["reason"]
    if kind != "hard-link":
        assert table.set_index("learner").loc["ben", "status"] == "passed"


def test_ten_thousand_invalid_documents_give_a_bounded_report(tmp_path):
    """10,000 broken documents: one short reason, and `exercises check` lists a bounded few."""
    text = "kind: NetworkPolicy\nmetadata: {name: Bad_Name}\n---\n" * 10_000
    root = _class(tmp_path, {f"ana/{DENY}.yaml": text})
    table = grade(root, out_dir=tmp_path / "out")
    assert len(table.iloc[0]["reason"]) < 1000
    assert (tmp_path / "out" / "grades.md").stat().st_size < 5000
    feedback = run_cli("exercises", "check", DENY, root / "ana" / f"{DENY}.yaml")
    assert feedback.returncode == 1 and len(feedback.stdout) < 20_000


def _hostile_check(exercise, answer, *args, **kwargs):
    """Stands in for the checker in the worker: slow, hungry or crashing on cue."""
    answer = answer.decode() if isinstance(answer, bytes) else answer
    if "SLOW" in answer:
        time.sleep(60)
    if "HOG" in answer:
        hog = bytearray(64 * 2**30)  # far over any memory budget
        return hog
    if "CRASH" in answer:
        os._exit(3)
    return real_check(exercise, answer, *args, **kwargs)


def test_budgets_fail_one_answer_and_never_stop_the_class(tmp_path, monkeypatch):
    """Over time, over memory, a crashing worker: that answer's failure; the others graded."""
    answers = {f"a-slow/{DENY}.yaml": "# SLOW", f"b-hog/{DENY}.yaml": "# HOG",
               f"c-crash/{DENY}.yaml": "# CRASH"}
    answers.update({f"d{i}/{DENY}.yaml": _solution() for i in range(3)})
    root = _class(tmp_path, answers)
    monkeypatch.setattr("netpol_lab.grading.check", _hostile_check)
    started = time.monotonic()
    table = grade(root, out_dir=tmp_path / "out",
                  budget=Budget(seconds=3, memory=512 * 2**20)).set_index("learner")
    assert time.monotonic() - started < 50  # the 60 s sleep was cut, not waited for
    assert "more than 3 seconds" in table.loc["a-slow", "reason"]
    assert "more than 512 MiB of memory" in table.loc["b-hog", "reason"]
    assert "stopped unexpectedly" in table.loc["c-crash", "reason"]
    assert table.loc[["d0", "d1", "d2"], "status"].tolist() == ["passed"] * 3
