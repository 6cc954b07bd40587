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

The submissions are untrusted (see ``docs/security.md``): only regular files
inside each learner's own folder are read (no symbolic or hard links, no
devices, hidden files skipped), each at most ``max_bytes``; each answer is
checked in a worker process with a time and a memory budget, and an answer
over budget is that answer's failure; the reports are escaped (no spreadsheet
formulas, no markdown or HTML from a learner) and written to a temporary file
that is then renamed into place.

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

import contextlib
import csv
import difflib
import io
import multiprocessing
import os
import re
import stat
import tempfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import NetpolError
from .exercises import Exercise, check, load_exercises
from .files import read_file

COLUMNS = ["learner", "exercise", "topic", "difficulty", "status", "passed", "wrong", "checked",
           "causes", "reason"]
SUFFIXES = (".yaml", ".yml", ".json")
MAX_ANSWER_BYTES = 256 * 1024  # an answer is a few policies: a few kilobytes
TIME_BUDGET = 20.0  # seconds per answer (a real answer takes milliseconds)
MEMORY_BUDGET = 1024 * 1024 * 1024  # bytes of address space per answer, above the worker's own
MAX_REASON_CHARS = 1000  # the checker's reason lists a few wrong connections: it fits
CSV_NAME = "grades.csv"
MARKDOWN_NAME = "grades.md"
REPORTS = (CSV_NAME, MARKDOWN_NAME)


@dataclass(frozen=True)
class Budget:
    """What one answer may cost: ``seconds`` of wall-clock time, ``memory`` bytes, file size.

    ``isolate=False`` checks in the grader's own process (no time or memory
    limit: for a trusted class, or a platform without ``fork``).
    """

    seconds: float = TIME_BUDGET
    memory: int = MEMORY_BUDGET
    max_bytes: int = MAX_ANSWER_BYTES
    isolate: bool = True


def grade(submissions_dir: str | os.PathLike, exercises_dir: str | os.PathLike | None = None,
          out_dir: str | os.PathLike | None = None,
          exercises: Iterable[str] | None = None, budget: Budget | None = None) -> pd.DataFrame:
    """Grade every learner folder of ``submissions_dir``; write a CSV and a markdown summary.

    Parameters
    ----------
    submissions_dir : path
        One sub-folder per learner (hidden folders are skipped), each with
        ``<exercise-id>.yaml`` files (``.yml`` and ``.json`` are accepted; a
        near miss such as ``ID.YAML``, ``ID.yaml.txt`` or ``ID.yaml`` one
        folder down is graded when it is the only candidate, and named in the
        reason otherwise).
    exercises_dir : path, optional
        Where the exercises are; default: the course's exercises.
    out_dir : path, optional
        Where ``grades.csv`` and ``grades.md`` go; default: ``submissions_dir``.
        It may not lie inside ``submissions_dir`` (it would be graded as a
        learner next time).
    exercises : iterable of str, optional
        The exercise ids to grade (each once); default: every exercise someone
        handed in.
    budget : Budget, optional
        Time, memory and file-size limits per answer (default: :class:`Budget`).

    Returns
    -------
    pandas.DataFrame
        One row per learner and exercise: ``learner`` (the folder name, with
        bytes that are not UTF-8 shown as ``\\xNN``), ``exercise``, ``topic``,
        ``difficulty``, ``status`` (``passed``, ``failed``, ``invalid``,
        ``missing``, ``error``), ``passed`` (bool), ``wrong`` (how many
        connections of the exercise's scope have the wrong verdict), ``checked``
        (how many were checked), ``causes`` (how many distinct mistakes: the
        wrong connections grouped by the rule or isolation that decided them)
        and ``reason`` (why it failed, naming the first causes; empty when it
        passed).

    Raises
    ------
    NetpolError
        Before any grading, when ``submissions_dir`` is not a folder,
        ``exercises`` names an unknown exercise or one twice, or the out folder
        cannot take the reports.
    """
    budget = budget or Budget()
    root = Path(submissions_dir)
    if not root.is_dir():
        raise NetpolError(f"no submissions folder at {root}",
                          expected="a folder with one sub-folder per learner")
    out = Path(out_dir) if out_dir is not None else root
    _check_out(out, root)
    catalogue = load_exercises(exercises_dir)
    if exercises is not None:
        wanted = list(exercises)
        unknown = [i for i in wanted if i not in catalogue]
        if unknown:
            raise NetpolError(f"there is no exercise {unknown[0]!r}",
                              expected="exercise ids such as " + ", ".join(list(catalogue)[:3]))
        twice = sorted({i for i in wanted if wanted.count(i) > 1})
        if twice:
            raise NetpolError(f"the exercise {twice[0]!r} is named twice",
                              expected="each exercise once")
    learners, notes = _learner_folders(root)
    found = {learner: _answer_files(learner, catalogue) for learner in learners}
    if exercises is None:
        handed_in = {ex_id for answers in found.values() for ex_id in answers.matched}
        wanted = [i for i in catalogue if i in handed_in]
    tasks, rows = [], {}
    for learner in learners:
        answers = found[learner]
        name = shown_name(learner.name)
        for stray in answers.strays:
            guess = _closest(Path(stray).stem, wanted)
            notes.append(f"{name}/{shown_name(stray)} does not name an exercise; ignored"
                         + (f" (did they mean {guess}?)" if guess else ""))
        for ex_id in wanted:
            ex = catalogue[ex_id]
            if ex_id in answers.matched:
                tasks.append((name, ex_id, answers.matched[ex_id], learner,
                              answers.renamed.get(ex_id)))
                continue
            reason = f"missing: no file {ex_id}.yaml in {name}/"
            if ex_id in answers.ambiguous:
                reason += (" (found " + " and ".join(shown_name(f) for f in answers.ambiguous[ex_id])
                           + ": rename the one to grade to " + f"{ex_id}.yaml)")
            else:
                misnamed = [f for f in answers.strays if _closest(Path(f).stem, wanted) == ex_id]
                if misnamed:
                    reason += (f" (found {shown_name(misnamed[0])}, which is not named after the "
                               "exercise)")
            rows[(name, ex_id)] = _row(name, ex, "missing", 0, 0, reason)
    rows.update(_grade_all(tasks, catalogue, exercises_dir, budget))
    order = [(shown_name(learner.name), ex_id) for learner in learners for ex_id in wanted]
    table = pd.DataFrame([rows[key] for key in order], columns=COLUMNS)
    _write_reports(table, out, summary_markdown(table, shown_name(root.name), notes))
    return table


def shown_name(name: str) -> str:
    r"""A file or folder name as text: undecodable bytes as ``\xNN``, control characters escaped.

    Examples
    --------
    >>> print(shown_name(os.fsdecode(b"al\xffice")), shown_name("bob\n"))
    al\xffice bob\n
    """
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _check_out(out: Path, root: Path) -> None:
    """Refuse, before grading, an out folder that cannot take the reports."""
    if out.exists() and not out.is_dir():
        raise NetpolError(f"the out folder {out} is a file, not a folder",
                          expected="a folder for grades.csv and grades.md (--out DIR)")
    if os.path.abspath(out) != os.path.abspath(root) and (
            out.resolve().is_relative_to(root.resolve())):
        raise NetpolError(f"the out folder {out} is inside the submissions folder {root}: it "
                          "would be graded as a learner next time",
                          expected="an out folder outside the submissions (or the submissions "
                                   "folder itself)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".netpol-lab-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise NetpolError(f"cannot write the reports into {out}: {exc.strerror or exc}",
                          expected="a folder you can write to (--out DIR)") from None
    for name in REPORTS:
        try:
            info = os.lstat(out / name)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            raise NetpolError(f"{out / name} is a folder (a learner's?), so the report "
                              f"{name} cannot be written there",
                              expected="--out DIR: the reports in a folder of their own")


def _learner_folders(root: Path) -> tuple[list[Path], list[str]]:
    """The learner folders (real folders, not hidden), and notes about what was skipped."""
    learners, notes = [], []
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_symlink():
                if entry.is_dir():
                    notes.append(f"{shown_name(entry.name)} is a symbolic link to a folder, not "
                                 "a learner's own folder; not graded")
                continue
            if entry.is_dir(follow_symlinks=False):
                learners.append(Path(entry.path))
    return learners, notes


@dataclass
class _Answers:
    """What one learner folder holds: answer files by exercise id, near misses, strays."""

    matched: dict  # exercise id -> path of the file to grade
    renamed: dict  # exercise id -> the near-miss name that was graded
    ambiguous: dict  # exercise id -> several candidate names
    strays: list  # names that name no exercise


def _answer_files(folder: Path, catalogue: dict) -> _Answers:
    """Match files to exercises: exact names first, then unambiguous near misses.

    ``ID.yaml`` beats ``ID.yml`` beats ``ID.json``. A near miss (other case,
    ``ID.yaml.txt``) counts when it is the only one; then files one folder
    down are tried the same way (a zip that made ``alice/homework/ID.yaml``).
    Hidden files and folders are skipped; symbolic links are matched like
    files so that reading them fails with a reason.
    """
    ids = {i.lower(): i for i in catalogue}
    answers = _Answers({}, {}, {}, [])
    top, subfolders = _scan(folder)
    _match(top, ids, answers, "", strays=True)
    for sub in subfolders:
        deeper, _ = _scan(folder / sub)
        _match(deeper, ids, answers, sub + "/", strays=False)
    return answers


def _scan(folder: Path) -> tuple[list[str], list[str]]:
    files, folders = [], []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    files.append(entry.name)
    except OSError:
        pass  # an unreadable folder holds no answers; its files are reported missing
    return sorted(files), sorted(folders)


def _exercise_of(name: str, ids: dict) -> tuple[str | None, bool]:
    """``(exercise id, exact)`` for a file name, or ``(None, False)``."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[:-len(suffix)] in ids.values():
            return name[:-len(suffix)], True
    lowered = name.lower().removesuffix(".txt")
    for suffix in SUFFIXES:
        if lowered.endswith(suffix) and lowered[:-len(suffix)] in ids:
            return ids[lowered[:-len(suffix)]], False
    return None, False


def _match(names: list[str], ids: dict, answers: _Answers, prefix: str, strays: bool) -> None:
    exact: dict[str, list[str]] = {}
    near: dict[str, list[str]] = {}
    for name in names:
        ex_id, is_exact = _exercise_of(name, ids)
        if ex_id is None:
            if strays and name.lower().endswith(SUFFIXES):
                answers.strays.append(name)
            continue
        (exact if is_exact else near).setdefault(ex_id, []).append(prefix + name)
    for ex_id in {*exact, *near}:
        if ex_id in answers.matched or ex_id in answers.ambiguous:
            continue  # found at a shallower level
        if ex_id in exact:
            ranked = sorted(exact[ex_id], key=lambda n: SUFFIXES.index(Path(n).suffix))
            answers.matched[ex_id] = ranked[0]
            if prefix:
                answers.renamed[ex_id] = ranked[0]
        elif len(near[ex_id]) == 1:
            answers.matched[ex_id] = near[ex_id][0]
            answers.renamed[ex_id] = near[ex_id][0]
        else:
            answers.ambiguous[ex_id] = near[ex_id]


def _closest(stem: str, ids: list[str]) -> str | None:
    match = difflib.get_close_matches(stem, ids, n=1, cutoff=0.6)
    if not match:
        match = [i for i in ids if i.startswith(stem) or stem.startswith(i)][:1]
    return match[0] if match else None


def _row(learner: str, ex: Exercise, status: str, wrong: int, checked: int, reason: str,
         causes: int = 0) -> dict:
    """One row of grades.csv (the only place a row is built)."""
    reason = _CONTROL.sub(" ", reason)
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[:MAX_REASON_CHARS - 1] + "…"
    return {"learner": learner, "exercise": ex.id, "topic": ex.topic,
            "difficulty": ex.difficulty, "status": status, "passed": status == "passed",
            "wrong": wrong, "checked": checked, "causes": causes, "reason": reason}


def _grade_one(learner: str, ex: Exercise, name: str, folder: Path, renamed: str | None,
               max_bytes: int) -> dict:
    """Check one answer file (in whichever process runs it); never raises."""
    graded_as = f" (graded {shown_name(renamed)} as {ex.id}.yaml)" if renamed else ""
    try:  # only a regular file of the learner's own folder, never through a link
        text = read_file(folder / name, root=folder, max_bytes=max_bytes, single_link=True)
        result = check(ex, text)
    except NetpolError as exc:  # e.g. a refused file, raised before parsing
        return _row(learner, ex, "invalid", 0, 0,
                    f"invalid: {shown_name(name)}: {exc.message}{graded_as}")
    except MemoryError:
        raise
    except Exception as exc:  # a bug in netpol_lab must not stop a whole class's grading
        return _row(learner, ex, "error", 0, 0,
                    f"error: netpol_lab could not check this file ({type(exc).__name__}: "
                    f"{str(exc)[:200]}){graded_as}")
    reason = result.reason + (graded_as if result.reason else "")
    row = _row(learner, ex, result.status, len(result.wrong), result.checked, reason,
               len(result.diagnoses))
    if renamed and result.passed:
        row["reason"] = graded_as.strip(" ()")
    return row


def _grade_all(tasks: list, catalogue: dict, exercises_dir, budget: Budget) -> dict:
    """Every task's row, keyed by (learner, exercise id)."""
    out = {}
    if not tasks:
        return out
    if not budget.isolate or "fork" not in multiprocessing.get_all_start_methods():
        for learner, ex_id, name, folder, renamed in tasks:
            try:
                out[(learner, ex_id)] = _grade_one(learner, catalogue[ex_id], name, folder,
                                                   renamed, budget.max_bytes)
            except MemoryError:
                out[(learner, ex_id)] = _over_budget(learner, catalogue[ex_id], "memory", budget)
        return out
    worker = _Worker(catalogue, budget)
    try:
        out.update(worker.run(tasks))
    finally:
        worker.close()
    return out


def _over_budget(learner: str, ex: Exercise, what: str, budget: Budget) -> dict:
    limit = (f"{budget.seconds:g} seconds" if what == "time"
             else f"{budget.memory // 2**20:,} MiB of memory")
    return _row(learner, ex, "invalid", 0, 0,
                f"invalid: over budget: checking this file needed more than {limit} (a file "
                "built to be slow or large?)")


class _Worker:
    """A forked child that checks answers one at a time under a memory limit.

    The parent keeps a few answers in flight (so neither side waits for the
    other between answers) and times each one from the moment the previous
    one came back: past ``budget.seconds`` the child is killed and a fresh one
    takes the remaining answers; a MemoryError or a crash in the child is that
    answer's failure too. One child serves the whole class while nothing goes
    wrong, so the cost is one fork, not one per answer.
    """

    WINDOW = 16  # answers in flight: their tasks and rows fit in the pipe's buffer

    def __init__(self, catalogue: dict, budget: Budget) -> None:
        self.catalogue = catalogue
        self.budget = budget
        self.context = multiprocessing.get_context("fork")
        self.process = None
        self.connection = None

    def start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(
            target=_serve, args=(child, self.catalogue, self.budget), daemon=True)
        with _quiet_fork_warning():
            self.process.start()
        child.close()
        self.connection = parent

    def run(self, tasks: list) -> dict:
        """Every task's row, keyed by ``(learner, exercise id)``."""
        out = {}
        pending, in_flight = deque(tasks), deque()
        while pending or in_flight:
            if self.process is None:
                self.start()
            while pending and len(in_flight) < self.WINDOW:
                in_flight.append(pending.popleft())
                self.connection.send(in_flight[-1])
            task = in_flight.popleft()
            learner, ex = task[0], self.catalogue[task[1]]
            healthy = False
            try:
                if self.connection.poll(self.budget.seconds):
                    row, healthy = self.connection.recv()
                else:
                    row = _over_budget(learner, ex, "time", self.budget)
            except (EOFError, OSError):  # the child died: killed by the kernel, or a crash
                self.process.join(timeout=5)
                code = self.process.exitcode
                row = _row(learner, ex, "error", 0, 0, "error: the worker checking this file "
                           "stopped unexpectedly" + (f" (signal {-code}: killed, perhaps out of "
                                                     "memory)" if code and code < 0 else ""))
            out[(task[0], task[1])] = row
            if not healthy:  # start afresh; the answers after this one are sent again
                self.stop()
                pending.extendleft(reversed(in_flight))
                in_flight.clear()
        return out

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.connection.close()
        self.process = self.connection = None

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.connection.send(None)
                self.process.join(timeout=5)
            self.stop()


def _serve(connection, catalogue: dict, budget: Budget) -> None:
    """The worker's loop: limit its own memory, then check answers until told to stop."""
    _limit_memory(budget.memory)
    while True:
        task = connection.recv()
        if task is None:
            return
        learner, ex_id, name, folder, renamed = task
        try:
            row = _grade_one(learner, catalogue[ex_id], name, folder, renamed, budget.max_bytes)
            connection.send((row, True))
        except MemoryError:
            connection.send((_over_budget(learner, catalogue[ex_id], "memory", budget), False))
            return


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus ``extra`` bytes."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            size = next(int(line.split()[1]) * 1024 for line in status
                        if line.startswith("VmSize:"))
        limit = size + extra
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, StopIteration, ValueError):
        pass  # no /proc or no resource module: the time budget still holds


class _quiet_fork_warning:
    """Python 3.12 warns about fork() in a threaded parent (Jupyter); the child only checks."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def csv_cell(value):
    """A value made safe for a spreadsheet: text starting with = + - @ tab or CR is quoted.

    Examples
    --------
    >>> csv_cell("=1+2"), csv_cell("@SUM(A1)"), csv_cell("alice"), csv_cell(3)
    ("'=1+2", "'@SUM(A1)", 'alice', 3)
    """
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def grades_csv(table: pd.DataFrame) -> str:
    """The text of grades.csv: one row per answer, every cell spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.itertuples(index=False):
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


def _write_reports(table: pd.DataFrame, out: Path, markdown: str) -> None:
    for name, text in ((CSV_NAME, grades_csv(table)), (MARKDOWN_NAME, markdown)):
        write_atomically(out / name, text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a new temporary file next to ``path``, then rename it into place.

    A reader (or a second grader writing the same folder) sees the old file or
    the new one, never a mix; a symbolic link planted at ``path`` is replaced,
    never followed.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def markdown_text(text: str) -> str:
    r"""Text a learner controls, made inert in markdown and HTML (a table cell or a line).

    Examples
    --------
    >>> print(markdown_text("<img src=x onerror=alert(1)> *bold* | `code`"))
    &lt;img src=x onerror=alert(1)&gt; \*bold\* \| \`code\`
    """
    out = []
    for char in str(text):
        if char in "<>&\"":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}[char])
        elif char in "\\`*_[]|~#!":
            out.append("\\" + char)
        elif char in "\n\r":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def summary_markdown(table: pd.DataFrame, title: str = "", notes: Iterable[str] = ()) -> str:
    """The markdown report of a graded class: totals, per learner, per exercise, failures."""
    lines = [f"# Grades{': ' + markdown_text(title) if title else ''}", ""]
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
            lines.append(f"| {markdown_text(learner)} | {int(rows['passed'].sum())}/{len(rows)} | "
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
            lines += [f"### {markdown_text(learner)}", ""]
            for row in rows.itertuples():
                reason = str(row.reason)
                if reason.startswith(f"{row.status}: "):  # said once: "(missing): no file ..."
                    reason = reason[len(row.status) + 2:]
                lines.append(f"- ✗ `{row.exercise}` ({row.status}): {markdown_text(reason)}")
            lines.append("")
    notes = list(notes)
    if notes:
        lines += ["", "## Notes", ""] + [f"- {markdown_text(n)}" for n in notes]
    return "\n".join(lines).rstrip() + "\n"
