"""Classroom grading: check a whole class's answers at once.

The layout an instructor collects is one folder per learner, holding one
policy file per exercise, named after the exercise::

    submissions/
      alice/
        ingress-01-frontend-only.yaml
        egress-01-api-to-database.yaml
      bob/
        ingress-01-frontend-only.yaml

:func:`grade` checks every (learner, exercise) pair with the same semantic
checker as the notebooks (:func:`netpol_lab.exercises.check`), and writes
``grades.csv`` (one row per pair) and ``grades.md`` (a summary per learner
and per exercise, with the reason for every failure). An invalid file and a
missing file are failures with a reason, never a crash.

Which exercises are graded: those given with ``exercises=``, otherwise every
exercise that at least one learner handed in (so a workshop that used five
exercises is graded on those five).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> root = Path(tempfile.mkdtemp())
>>> (root / "alice").mkdir()
>>> _ = (root / "alice" / "ingress-03-namespace-default-deny.yaml").write_text('''
... kind: NetworkPolicy
... metadata: {name: deny, namespace: production}
... spec: {podSelector: {}}
... ''')
>>> (root / "bob").mkdir()
>>> grades = grade(root)
>>> grades[["learner", "exercise", "status"]].values.tolist()
[['alice', 'ingress-03-namespace-default-deny', 'passed'], ['bob', 'ingress-03-namespace-default-deny', 'missing']]
>>> sorted(p.name for p in root.glob("grades.*"))
['grades.csv', 'grades.md']
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import NetpolError
from .exercises import Exercise, check, load_exercises
from .files import read_file

COLUMNS = ["learner", "exercise", "topic", "difficulty", "status", "passed", "wrong", "checked",
           "reason"]
SUFFIXES = (".yaml", ".yml", ".json")
MAX_ANSWER_BYTES = 1024 * 1024  # an answer is a few policies: a few kilobytes
CSV_NAME = "grades.csv"
MARKDOWN_NAME = "grades.md"


def grade(submissions_dir: str | os.PathLike, exercises_dir: str | os.PathLike | None = None,
          out_dir: str | os.PathLike | None = None,
          exercises: Iterable[str] | None = None) -> pd.DataFrame:
    """Grade every learner folder of ``submissions_dir``; write a CSV and a markdown summary.

    Parameters
    ----------
    submissions_dir : path
        One sub-folder per learner (hidden folders are skipped), each with
        ``<exercise-id>.yaml`` files (``.yml`` and ``.json`` are accepted).
    exercises_dir : path, optional
        Where the exercises are; default: the course's exercises.
    out_dir : path, optional
        Where ``grades.csv`` and ``grades.md`` go; default: ``submissions_dir``.
    exercises : iterable of str, optional
        The exercise ids to grade; default: every exercise someone handed in.

    Returns
    -------
    pandas.DataFrame
        One row per learner and exercise: ``learner``, ``exercise``, ``topic``,
        ``difficulty``, ``status`` (``passed``, ``failed``, ``invalid``,
        ``missing``), ``passed`` (bool), ``wrong`` (how many required
        connections have the wrong verdict), ``checked`` (how many were
        checked) and ``reason`` (why it failed, empty when it passed).

    Raises
    ------
    NetpolError
        When ``submissions_dir`` is not a folder, or ``exercises`` names an
        unknown exercise.
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise NetpolError(f"no submissions folder at {root}",
                          expected="a folder with one sub-folder per learner")
    catalogue = load_exercises(exercises_dir)
    entries = sorted(p for p in root.iterdir() if not p.name.startswith((".", "_")))
    linked = [p for p in entries if p.is_symlink() and p.is_dir()]
    learners = [p for p in entries if p.is_dir() and not p.is_symlink()]
    files = {learner.name: _answer_files(learner) for learner in learners}
    if exercises is None:
        handed_in = {stem for found in files.values() for stem in found}
        wanted = [i for i in catalogue if i in handed_in]
    else:
        wanted = list(exercises)
        unknown = [i for i in wanted if i not in catalogue]
        if unknown:
            raise NetpolError(f"there is no exercise {unknown[0]!r}",
                              expected="exercise ids such as " + ", ".join(list(catalogue)[:3]))
    rows = []
    notes = [f"{p.name} is a symbolic link to a folder, not a learner's own folder; not graded"
             for p in linked]
    for learner in learners:
        found = files[learner.name]
        strays = sorted(stem for stem in found if stem not in catalogue)
        guesses = {stem: _closest(stem, wanted) for stem in strays}
        for stem in strays:
            note = f"{learner.name}/{found[stem].name} does not name an exercise; ignored"
            if guesses[stem]:
                note += f" (did they mean {guesses[stem]}?)"
            notes.append(note)
        for ex_id in wanted:
            ex = catalogue[ex_id]
            path = found.get(ex_id)
            if path is None:
                misnamed = [found[s].name for s, g in guesses.items() if g == ex_id]
                reason = f"missing: no file {ex_id}.yaml in {learner.name}/"
                if misnamed:
                    reason += f" (found {misnamed[0]}, which is not named after the exercise)"
                rows.append(_row(learner.name, ex, "missing", 0, 0, reason))
                continue
            rows.append(_grade_one(learner.name, ex, path, learner))
    table = pd.DataFrame(rows, columns=COLUMNS)
    out = Path(out_dir) if out_dir is not None else root
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / CSV_NAME, index=False, lineterminator="\n")
    (out / MARKDOWN_NAME).write_text(summary_markdown(table, root.name, notes), encoding="utf-8")
    return table


def _answer_files(folder: Path) -> dict[str, Path]:
    """The learner's answer files by stem; ``.yaml`` wins over ``.yml`` and ``.json``."""
    found: dict[str, Path] = {}
    for suffix in SUFFIXES:
        for path in sorted(folder.glob(f"*{suffix}")):
            if path.is_file():
                found.setdefault(path.stem, path)
    return found


def _closest(stem: str, ids: list[str]) -> str | None:
    match = difflib.get_close_matches(stem, ids, n=1, cutoff=0.6)
    if not match:
        match = [i for i in ids if i.startswith(stem) or stem.startswith(i)][:1]
    return match[0] if match else None


def _row(learner: str, ex: Exercise, status: str, wrong: int, checked: int, reason: str) -> dict:
    return {"learner": learner, "exercise": ex.id, "topic": ex.topic,
            "difficulty": ex.difficulty, "status": status, "passed": status == "passed",
            "wrong": wrong, "checked": checked, "reason": reason}


def _grade_one(learner: str, ex: Exercise, path: Path, folder: Path) -> dict:
    try:  # only a regular file of the learner's own folder, never through a link
        text = read_file(path, root=folder, max_bytes=MAX_ANSWER_BYTES, single_link=True)
        result = check(ex, text)
    except NetpolError as exc:  # e.g. an unreadable file raised before parsing
        return _row(learner, ex, "invalid", 0, 0, f"invalid: {exc.message}")
    except Exception as exc:  # a bug in netpol_lab must not stop a whole class's grading
        return _row(learner, ex, "error", 0, 0,
                    f"error: netpol_lab could not check this file ({type(exc).__name__}: {exc})")
    return _row(learner, ex, result.status, len(result.wrong), result.checked, result.reason)


def summary_markdown(table: pd.DataFrame, title: str = "", notes: Iterable[str] = ()) -> str:
    """The markdown report of a graded class: totals, per learner, per exercise, failures."""
    lines = [f"# Grades{': ' + title if title else ''}", ""]
    learners = list(dict.fromkeys(table["learner"]))
    exercises = list(dict.fromkeys(table["exercise"]))
    if table.empty:
        lines.append("No answers to grade: no learner folder holds a file named after an "
                     "exercise (`<exercise-id>.yaml`).")
    else:
        passed = int(table["passed"].sum())
        lines.append(f"{len(learners)} learner{'s' * (len(learners) != 1)}, {len(exercises)} "
                     f"exercise{'s' * (len(exercises) != 1)}: {passed} of {len(table)} answers "
                     "pass.")
        lines += ["", "## Per learner", "",
                  "| learner | score | passed | failed | invalid | missing |",
                  "|---|---|---|---|---|---|"]
        for learner in learners:
            rows = table[table["learner"] == learner]
            n = rows["status"].value_counts()
            lines.append(f"| {learner} | {int(rows['passed'].sum())}/{len(rows)} | "
                         f"{n.get('passed', 0)} | {n.get('failed', 0)} | "
                         f"{n.get('invalid', 0) + n.get('error', 0)} | {n.get('missing', 0)} |")
        lines += ["", "## Per exercise", "", "| exercise | topic | difficulty | passed |",
                  "|---|---|---|---|"]
        for ex_id in exercises:
            rows = table[table["exercise"] == ex_id]
            first = rows.iloc[0]
            lines.append(f"| {ex_id} | {first['topic']} | {first['difficulty']} | "
                         f"{int(rows['passed'].sum())}/{len(rows)} |")
        failures = table[~table["passed"]]
        lines += ["", "## Failures", ""]
        if failures.empty:
            lines.append("None: every answer passes.")
        for learner in learners:
            rows = failures[failures["learner"] == learner]
            if rows.empty:
                continue
            lines += [f"### {learner}", ""]
            for row in rows.itertuples():
                reason = str(row.reason).replace("|", "\\|")
                lines.append(f"- ✗ `{row.exercise}` ({row.status}): {reason}")
            lines.append("")
    notes = list(notes)
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines).rstrip() + "\n"
