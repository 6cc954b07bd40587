"""Issue 11, Files and API: only regular files are read, never a link, a device or a FIFO.

Each test builds its hostile input in a temporary folder; the command-line
cases run in a child process under resource limits (``tests/limits.py``), so
a regression that hangs or reads without end fails here instead of stalling
the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from limits import run_cli, run_python

import netpol_lab as nl
from netpol_lab.files import read_file

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: production}
spec: {podSelector: {}}
"""


def test_regular_file_inside_root_is_read(tmp_path, monkeypatch):
    """The ordinary case still works: a regular file inside the folder, absolute or relative."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text(POLICY)
    assert read_file(tmp_path / "sub" / "p.yaml", root=tmp_path) == POLICY.encode()
    monkeypatch.chdir(tmp_path)
    assert read_file(Path("sub/p.yaml"), root=tmp_path) == POLICY.encode()
    assert read_file(Path("sub/p.yaml"), root=Path("sub")) == POLICY.encode()


@pytest.mark.parametrize("target", ["/etc/passwd", "inside.yaml"])
def test_symlink_inside_root_is_refused_and_never_read(tmp_path, target):
    """A symlink is refused with a reason, whether it points outside or inside the folder."""
    (tmp_path / "inside.yaml").write_text(POLICY)
    (tmp_path / "link.yaml").symlink_to(target)
    with pytest.raises(nl.ParseError, match="symbolic link") as info:
        read_file(tmp_path / "link.yaml", root=tmp_path)
    assert "root:" not in str(info.value)  # /etc/passwd's content is not in the error


def test_symlinked_folder_on_the_way_is_refused(tmp_path):
    """A symlinked folder between the root and the file is refused too."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "p.yaml").write_text(POLICY)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "sub").symlink_to(tmp_path / "real")
    with pytest.raises(nl.ParseError, match="folder 'sub' on its way is a symbolic link"):
        read_file(tmp_path / "root" / "sub" / "p.yaml", root=tmp_path / "root")


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd"])
def test_paths_leaving_the_root_are_refused(tmp_path, path):
    """``..`` and absolute paths elsewhere are refused before anything is opened."""
    (tmp_path / "root").mkdir()
    with pytest.raises(nl.ParseError, match="refused"):
        read_file(Path(path), root=tmp_path / "root")


def test_fifo_device_and_folder_are_refused_without_blocking(tmp_path):
    """A FIFO with no writer, /dev/zero and a folder: refused at once, never read."""
    fifo = tmp_path / "answer.yaml"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "FIFO"), (Path("/dev/zero"), "device"), (tmp_path, "folder")):
        with pytest.raises(nl.ParseError, match=kind):
            read_file(path)
    with pytest.raises(nl.ParseError, match="FIFO"):
        read_file(fifo, root=tmp_path)


def test_size_cap_is_checked_before_reading(tmp_path):
    """A file over the cap is refused with its size and the limit."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 2000)
    with pytest.raises(nl.ParseError, match="2,000 bytes, more than the limit of 1,000"):
        read_file(path, max_bytes=1000)
    assert len(read_file(path, max_bytes=2000)) == 2000


def test_hard_linked_file_can_be_refused(tmp_path):
    """``single_link=True`` refuses a hard link (a way to plant an outside file inside)."""
    (tmp_path / "outside.yaml").write_text(POLICY)
    (tmp_path / "root").mkdir()
    os.link(tmp_path / "outside.yaml", tmp_path / "root" / "p.yaml")
    with pytest.raises(nl.ParseError, match="2 hard links"):
        read_file(tmp_path / "root" / "p.yaml", root=tmp_path / "root", single_link=True)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder", "missing"])
@pytest.mark.parametrize("flag", ["--policies", "--cluster"])
def test_cli_refuses_non_regular_inputs_at_once(tmp_path, kind, flag):
    """``--policies /dev/zero``, a FIFO, a folder: a clear error and exit 1, no hang, no MemoryError."""
    path = {"dev-zero": Path("/dev/zero"), "fifo": tmp_path / "p.yaml", "folder": tmp_path,
            "missing": tmp_path / "absent.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    proc = run_cli("table", flag, path)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    expected = {"dev-zero": "is a device", "fifo": "is a FIFO", "folder": "is a folder",
                "missing": "no such file"}[kind]
    assert expected in err and str(path) in err


def test_cli_stdin_that_never_ends_is_cut(tmp_path):
    """``--policies -`` fed more than the limit is refused, not read to exhaustion."""
    proc = run_cli("table", "--policies", "-", stdin=b"# " * (40 * 1024 * 1024))
    assert proc.returncode == 1
    assert b"more than the limit" in proc.stderr and b"Traceback" not in proc.stderr


def test_str_that_looks_like_a_path_is_text_in_a_child(tmp_path):
    """Issue 11, API: ``check(ex, "x.yaml")`` never reads x.yaml from the working folder."""
    (tmp_path / "x.yaml").write_text(POLICY)
    proc = run_python("import netpol_lab as nl\n"
                      "from netpol_lab.exercises import check\n"
                      "r = check('ingress-03-namespace-default-deny', 'x.yaml')\n"
                      "print(r.passed, r.problems[0].message)\n", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().startswith("False expected a Kubernetes object")
