"""``netpol-lab course``: copying the course into a working folder keeps the learner's work.

Issue 12: the course is copied into a folder of the learner's own, and copying again
(after an upgrade, or by habit) never overwrites a file the learner changed; it says
what it kept. These tests copy from a small fake course so that they can change the
"course version" between two copies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netpol_lab.cli import main
from netpol_lab.course import (
    FIRST_NOTEBOOK,
    LAB_SETTINGS,
    MANIFEST,
    PARTS,
    STATE_DIR,
    CourseError,
    copy_course,
    course_source,
    for_this_python,
    lab_command,
)


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """A tiny course: one file in each part, plus files that must never be copied."""
    root = tmp_path / "source"
    for part in PARTS:
        (root / part).mkdir(parents=True)
        (root / part / f"one-{part}.txt").write_text(f"{part} v1\n")
    (root / "notebooks" / ".ipynb_checkpoints").mkdir()
    (root / "notebooks" / ".ipynb_checkpoints" / "x.ipynb").write_text("checkpoint")
    return root


def _set(source: Path, relative: str, text: str) -> None:
    (source / relative).write_text(text)


def test_first_copy_copies_everything_and_writes_the_manifest(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "course"
    report = copy_course(target, source=source)
    assert sorted(report.copied) == sorted(f"{p}/one-{p}.txt" for p in PARTS)
    assert not (report.kept or report.updated or report.unchanged)
    assert not (target / "notebooks" / ".ipynb_checkpoints").exists()
    manifest = json.loads((target / STATE_DIR / MANIFEST).read_text())["files"]
    assert set(manifest) == set(report.copied)
    assert all(len(digest) == 64 for digest in manifest.values())


def test_a_changed_file_is_kept_and_named(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "course"
    copy_course(target, source=source)
    _set(target, "exercises/one-exercises.txt", "my answer\n")
    (target / "notebooks" / "one-notebooks.txt").unlink()  # deleted: it comes back
    report = copy_course(target, source=source)
    assert report.kept == ("exercises/one-exercises.txt",)
    assert report.copied == ("notebooks/one-notebooks.txt",)
    assert (target / "exercises" / "one-exercises.txt").read_text() == "my answer\n"
    assert "kept" in report.summary() and "exercises/one-exercises.txt" in report.summary()


def test_a_new_course_version_replaces_only_untouched_files(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "course"
    copy_course(target, source=source)
    _set(target, "notebooks/one-notebooks.txt", "my notes\n")
    for part in PARTS:  # the course is upgraded
        _set(source, f"{part}/one-{part}.txt", f"{part} v2\n")
    report = copy_course(target, source=source)
    assert report.kept == ("notebooks/one-notebooks.txt",)
    assert sorted(report.updated) == ["exercises/one-exercises.txt",
                                      "solutions/one-solutions.txt"]
    assert (target / "notebooks" / "one-notebooks.txt").read_text() == "my notes\n"
    assert (target / "exercises" / "one-exercises.txt").read_text() == "exercises v2\n"
    # the kept file is still known by the hash the course wrote, so it stays kept
    assert copy_course(target, source=source).kept == ("notebooks/one-notebooks.txt",)


def test_a_file_that_was_there_before_is_kept(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "course"
    (target / "solutions").mkdir(parents=True)
    (target / "solutions" / "one-solutions.txt").write_text("someone else's\n")
    report = copy_course(target, source=source)
    assert report.kept == ("solutions/one-solutions.txt",)
    assert (target / "solutions" / "one-solutions.txt").read_text() == "someone else's\n"


def test_a_broken_manifest_keeps_every_differing_file(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "course"
    copy_course(target, source=source)
    _set(source, "exercises/one-exercises.txt", "exercises v2\n")
    (target / STATE_DIR / MANIFEST).write_text("{not json")
    report = copy_course(target, source=source)
    assert report.kept == ("exercises/one-exercises.txt",)
    assert report.updated == ()


def test_no_solutions_leaves_them_out(source: Path, tmp_path: Path) -> None:
    report = copy_course(tmp_path / "handout", solutions=False, source=source)
    assert not (tmp_path / "handout" / "solutions").exists()
    assert not any(name.startswith("solutions/") for name in report.copied)


def test_a_file_as_target_is_a_clear_error(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(CourseError, match="is a file, not a folder"):
        copy_course(target, source=source)


def test_the_real_course_is_found() -> None:
    """In a checkout the course is the repository's folders; installed, the package's copy."""
    root = course_source()
    assert (root / FIRST_NOTEBOOK).is_file()
    assert len(list((root / "exercises").glob("*.yaml"))) >= 42
    assert {p.stem for p in (root / "solutions").glob("*.yaml")} \
        == {p.stem for p in (root / "exercises").glob("*.yaml")}


def test_notebooks_are_written_for_this_python() -> None:
    """JupyterLab marks a notebook modified when the kernel's language_info differs."""
    import platform

    nb = json.dumps({"cells": [], "metadata": {"language_info": {"name": "python"}},
                     "nbformat": 4, "nbformat_minor": 5}).encode()
    info = json.loads(for_this_python(nb))["metadata"]["language_info"]
    assert info["version"] == platform.python_version() and info["pygments_lexer"] == "ipython3"
    assert for_this_python(b"not json") == b"not json"
    r = json.dumps({"metadata": {"language_info": {"name": "R"}}}).encode()
    assert for_this_python(r) == r
    r = json.dumps({"metadata": {"kernelspec": {"language": "R", "name": "ir"}}}).encode()
    assert for_this_python(r) == r
    bare = json.loads(for_this_python(json.dumps({"metadata": {}}).encode()))
    assert bare["metadata"]["language_info"]["name"] == "python"


def test_cli_copies_without_lab(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is made, and its notebooks are signed (trusted), in this test's data dir."""
    import nbformat
    from nbformat.sign import NotebookNotary

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    target = tmp_path / "course"
    assert main(["course", str(target), "--no-lab", "--no-solutions"]) == 0
    first = nbformat.read(target / FIRST_NOTEBOOK, as_version=4)
    assert NotebookNotary().check_signature(first)
    out = capsys.readouterr().out
    assert "files copied" in out and "0 kept" in out
    assert (target / FIRST_NOTEBOOK).is_file()
    assert not (target / "solutions").exists()


def test_cli_reports_an_unwritable_target(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").write_text("")
    assert main(["course", str(tmp_path / "taken"), "--no-lab"]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_lab_opens_the_first_notebook_without_the_news_popup(tmp_path: Path) -> None:
    command, env = lab_command(tmp_path, extra=["--port", "8899"])
    assert f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}" in command
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command
    assert "--LabApp.news_url=None" in command and command[-2:] == ["--port", "8899"]
    config = Path(env["JUPYTER_CONFIG_PATH"].split(":")[0])
    overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides == LAB_SETTINGS
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_lab_reads_notebooks_for_this_python_without_rewriting_them(tmp_path: Path) -> None:
    """The contents manager JupyterLab is started with (``lab_command``) serves a notebook
    with this Python's ``language_info`` (so the kernel's reply does not mark it modified)
    and leaves the file, other files and other languages' notebooks as they are."""
    import asyncio
    import concurrent.futures
    import platform

    pytest.importorskip("jupyter_server")
    from netpol_lab.course import CONTENTS_MANAGER, language_info
    from netpol_lab.labserver import CourseContentsManager

    command, _ = lab_command(tmp_path, extra=["--port=1"])
    assert f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}" in command
    assert command[-1] == "--port=1"
    repo_notebook = (course_source() / FIRST_NOTEBOOK).read_bytes()
    (tmp_path / "00.ipynb").write_bytes(repo_notebook)
    r = json.loads(repo_notebook)
    r["metadata"] = {"language_info": {"name": "R"}}
    (tmp_path / "r.ipynb").write_text(json.dumps(r))
    (tmp_path / "notes.txt").write_text("language_info\n")
    # the manager is made and used in one thread of its own: earlier tests (Playwright's
    # sync API, in the browser tests) may leave an event loop running in this one, which
    # asyncio.run refuses; and always the same thread, since the manager's notary keeps a
    # SQLite connection that may only be used in the thread that opened it
    pool = concurrent.futures.ThreadPoolExecutor(1)
    manager = pool.submit(CourseContentsManager, root_dir=str(tmp_path)).result()

    def get(path: str, **kwargs) -> dict:
        return pool.submit(lambda: asyncio.run(manager.get(path, **kwargs))).result()

    served = get("00.ipynb")["content"]
    assert served["metadata"]["language_info"] == language_info()
    assert served["metadata"]["language_info"]["version"] == platform.python_version()
    assert (tmp_path / "00.ipynb").read_bytes() == repo_notebook   # the file is untouched
    assert get("00.ipynb", content=False)["content"] is None
    assert get("r.ipynb")["content"]["metadata"]["language_info"] == {"name": "R"}
    assert get("notes.txt")["content"] == "language_info\n"
    assert get("")["type"] == "directory"
    pool.shutdown()
