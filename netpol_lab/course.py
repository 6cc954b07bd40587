"""The course as a folder of one's own: copy it out of the installed package, then open it.

``pip install netpol-lab`` installs the notebooks, exercises and reference solutions with
the library (under ``netpol_lab/course_files/``; in a repository checkout they are the
top-level ``notebooks/``, ``exercises/`` and ``solutions/``). :func:`copy_course` copies
them into a working folder, and :func:`lab_command` opens JupyterLab there on the first
notebook. ``netpol-lab course [DIR]`` does both.

A learner's work is never overwritten. The copy keeps a manifest of what it wrote (the
SHA-256 of every file, in ``.netpol-lab/manifest.json``); copying again

- adds the files that are missing,
- replaces a file only when it is still exactly what an earlier copy wrote (the course
  got a newer version and the learner never touched it),
- and *keeps* every file that differs from both: the learner changed it, or it was
  there before. The report lists the kept files, so nobody wonders where an update went.

Notebooks are written for the Python that copies them: their ``language_info`` names this
interpreter's version, as the kernel will report it. JupyterLab compares the two when the
kernel starts, and a notebook whose metadata differs opens marked as modified.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp()) / "course"
>>> report = copy_course(folder)
>>> (folder / "notebooks" / "00-start-here.ipynb").is_file(), report.kept
(True, ())
>>> page = folder / "exercises" / "ingress-01-frontend-only.yaml"
>>> _ = page.write_text("my notes")
>>> again = copy_course(folder)
>>> again.kept, again.copied
(('exercises/ingress-01-frontend-only.yaml',), ())
>>> page.read_text()
'my notes'
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import NetpolError

#: The course's folders, in the order a learner meets them.
PARTS = ("notebooks", "exercises", "solutions")
#: The notebook JupyterLab opens first.
FIRST_NOTEBOOK = "notebooks/00-start-here.ipynb"
#: Where a course folder keeps its manifest and its JupyterLab settings (hidden in Lab).
STATE_DIR = ".netpol-lab"
MANIFEST = "manifest.json"
#: JupyterLab settings for a first contact without distractions: no "get notified about
#: Jupyter news?" pop-up and no update checks. They are defaults: a learner's own
#: settings still win.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
#: Server options that keep JupyterLab quiet and offline on first start (the news feed and
#: the update check off; the extension manager does not query PyPI).
LAB_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)
#: The server reads notebooks through this contents manager: each one arrives in the
#: browser with this Python's ``language_info`` already in it, so the kernel's reply on
#: start does not mark it modified (see :mod:`netpol_lab.labserver`). This matters in a
#: repository checkout, whose tracked notebooks keep a minimal ``language_info``, and in
#: a copy made before the learner upgraded Python; the files themselves are not rewritten.
CONTENTS_MANAGER = "netpol_lab.labserver.CourseContentsManager"


class CourseError(NetpolError):
    """The course files cannot be found or the working folder cannot be written."""


def course_source() -> Path:
    """The folder holding ``notebooks/``, ``exercises/`` and ``solutions/``.

    In an installed wheel that is the package's ``course_files`` folder; in a
    repository checkout (an editable install) it is the repository itself.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "course_files", package.parent):
        if all((candidate / part).is_dir() for part in PARTS):
            return candidate
    raise CourseError(f"the course files are not installed next to {package}",
                      expected="a netpol-lab installed from its wheel or sdist "
                               "(pip install netpol-lab) or a clone of the repository")


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_course` did, file by file (paths relative to ``target``).

    ``copied``: new files; ``updated``: files replaced by a newer course version (the
    learner had not changed them); ``kept``: files left alone because they differ from
    what the course would write (the learner's work); ``unchanged``: already up to date.
    """

    target: Path
    copied: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def summary(self) -> str:
        """A few lines for the terminal: the counts, then every kept file by name."""
        lines = [f"course folder: {self.target}",
                 f"  {len(self.copied)} file{'s' * (len(self.copied) != 1)} copied, "
                 f"{len(self.updated)} updated, {len(self.unchanged)} already up to date, "
                 f"{len(self.kept)} kept as you changed {'it' if len(self.kept) == 1 else 'them'}"]
        if self.kept:
            lines.append("  kept (your version; the course's is not copied over it):")
            lines.extend(f"    {name}" for name in self.kept)
        return "\n".join(lines)


def language_info() -> dict:
    """The ``language_info`` an ipykernel running this Python reports (nbformat metadata)."""
    return {"codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
            "nbconvert_exporter": "python", "pygments_lexer": "ipython3",
            "version": platform.python_version()}


def with_language_info(nb: dict) -> bool:
    """Give the notebook ``nb`` (parsed JSON, changed in place) this interpreter's
    ``language_info``; ``True`` if it is a Python notebook and so was changed.

    A notebook for another language (by its ``language_info``, else its kernelspec), or
    anything that is not a notebook, is left alone.
    """
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    if not isinstance(metadata, dict):
        return False
    current = metadata.get("language_info", {})
    kernelspec = metadata.get("kernelspec", {})
    language = kernelspec.get("language", "python") if isinstance(kernelspec, dict) else None
    if not isinstance(current, dict) or current.get("name", language) != "python":
        return False
    metadata["language_info"] = language_info()
    return True


def for_this_python(notebook: bytes) -> bytes:
    """``notebook`` (``.ipynb`` JSON) with this interpreter's ``language_info``.

    Anything that is not a notebook's JSON is returned unchanged.
    """
    try:
        nb = json.loads(notebook)
    except ValueError:
        return notebook
    if not with_language_info(nb):
        return notebook
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def trust_notebooks(folder: str | os.PathLike, names: Sequence[str]) -> int:
    """Sign the notebooks ``names`` (relative to ``folder``) as ``jupyter trust`` does.

    Only the course's own files are passed here, never a notebook the learner kept.
    Returns how many were signed; 0 when nbformat is not installed.
    """
    try:
        import nbformat
        from nbformat.sign import NotebookNotary
    except ImportError:  # pragma: no cover - nbformat comes with JupyterLab
        return 0
    notary, signed = NotebookNotary(), 0
    for name in names:
        if name.endswith(".ipynb"):
            notary.sign(nbformat.read(Path(folder) / name, as_version=4))
            signed += 1
    return signed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _course_files(source: Path, parts: Sequence[str]) -> Iterator[tuple[str, Path]]:
    for part in parts:
        for path in sorted((source / part).rglob("*")):
            relative = path.relative_to(source)
            if path.is_file() and not any(p.startswith(".") or p == "__pycache__"
                                          for p in relative.parts):
                yield relative.as_posix(), path


def _read_manifest(path: Path) -> dict[str, str]:
    """The hashes an earlier copy wrote; an unreadable manifest counts as none (safe: every
    file that differs is then kept)."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(files, dict) else {}


def copy_course(target: str | os.PathLike, solutions: bool = True,
                source: str | os.PathLike | None = None) -> CopyReport:
    """Copy the course into ``target``, never overwriting a file the learner changed.

    Parameters
    ----------
    target : path
        The working folder; created if missing.
    solutions : bool
        ``False`` leaves ``solutions/`` out (a hand-out for a class; solutions copied
        earlier are left where they are).
    source : path, optional
        Where the course comes from; :func:`course_source` when omitted.

    Returns
    -------
    CopyReport
        What was copied, updated, kept and already up to date.

    Raises
    ------
    CourseError
        When the course files are missing or ``target`` cannot be written.
    """
    origin = Path(source) if source is not None else course_source()
    target = Path(target).expanduser()
    parts = PARTS if solutions else tuple(p for p in PARTS if p != "solutions")
    manifest_path = target / STATE_DIR / MANIFEST
    try:
        if target.exists() and not target.is_dir():
            raise CourseError(f"{target} is a file, not a folder",
                              expected="a folder for the course (it is created if missing)")
        known = _read_manifest(manifest_path)
        copied, updated, kept, unchanged = [], [], [], []
        for relative, path in _course_files(origin, parts):
            content = path.read_bytes()
            if relative.endswith(".ipynb"):
                content = for_this_python(content)
            digest = hashlib.sha256(content).hexdigest()
            destination = target / relative
            if destination.is_file():
                present = _sha256(destination)
                if present == digest:
                    unchanged.append(relative)
                    known[relative] = digest
                    continue
                if known.get(relative) != present:
                    kept.append(relative)
                    continue
                updated.append(relative)
            elif destination.exists():
                kept.append(relative)
                continue
            else:
                copied.append(relative)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
            known[relative] = digest
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps({"files": dict(sorted(known.items()))}, indent=1)
                                 + "\n", encoding="utf-8")
    except OSError as exc:
        raise CourseError(f"cannot write the course into {target}: {exc.strerror or exc}",
                          expected="a folder you can write to, e.g. netpol-lab course "
                                   "~/netpol-course") from None
    return CopyReport(target, tuple(copied), tuple(updated), tuple(kept), tuple(unchanged))


def lab_settings_dir(state: str | os.PathLike) -> Path:
    """Write :data:`LAB_SETTINGS` as JupyterLab default-setting overrides under ``state``
    and return the config directory to add to ``JUPYTER_CONFIG_PATH``."""
    config = Path(state) / "jupyter"
    overrides = config / "labconfig" / "default_setting_overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(LAB_SETTINGS, indent=1) + "\n", encoding="utf-8")
    return config


def lab_command(folder: str | os.PathLike, notebook: str = FIRST_NOTEBOOK,
                extra: Sequence[str] = (), state: str | os.PathLike | None = None,
                ) -> tuple[list[str], dict[str, str]]:
    """The command and environment that open JupyterLab in ``folder`` on ``notebook``.

    JupyterLab opens the notebook itself (not the Launcher), with the news pop-up and
    update checks off, and serves notebooks through :data:`CONTENTS_MANAGER` (they do
    not open as modified). ``extra`` goes to JupyterLab (``--port 8899``, ...). The settings
    are written under ``state`` (default: the folder's hidden ``.netpol-lab``).
    """
    folder = Path(folder).resolve()
    config = lab_settings_dir(state if state is not None else folder / STATE_DIR)
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(config), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])])
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}",
               f"--LabApp.default_url=/lab/tree/{notebook}", *LAB_OPTIONS,
               f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    return [*command, *extra], env


def open_lab(folder: str | os.PathLike, notebook: str = FIRST_NOTEBOOK,
             extra: Sequence[str] = (), state: str | os.PathLike | None = None) -> int:  # pragma: no cover - starts a server
    """Start JupyterLab in ``folder`` on ``notebook``; on POSIX this process becomes it.

    Replacing the process (rather than waiting for a child) keeps Ctrl-C as JupyterLab
    users know it: one press asks whether to shut the server down.
    """
    command, env = lab_command(folder, notebook, extra, state)
    if os.name == "posix":
        os.execve(command[0], command, env)
    import subprocess

    return subprocess.call(command, env=env)


def open_checkout(folder: str | os.PathLike, notebook: str, state: str | os.PathLike,
                  extra: Sequence[str] = ()) -> int:  # pragma: no cover - starts a server
    """``bash scripts/course``: open a repository checkout's ``notebooks/`` folder in place.

    Nothing in the checkout is rewritten. The notebooks are signed as trusted (the
    signatures go to Jupyter's own database in the user's data folder, as with
    ``jupyter trust``, never into the files), and they open unmodified because the
    server reads them through :data:`CONTENTS_MANAGER`. The lab settings go to ``state``.
    """
    trust_notebooks(folder, sorted(p.name for p in Path(folder).glob("*.ipynb")))
    return open_lab(folder, notebook, extra, state)


if __name__ == "__main__":  # pragma: no cover - used by scripts/course in a checkout
    # python -m netpol_lab.course FOLDER NOTEBOOK STATE_DIR [JupyterLab options...]
    sys.exit(open_checkout(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
