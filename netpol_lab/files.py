"""Open files a learner or an instructor names, without being led astray.

Every file netpol_lab reads from disk goes through :func:`read_file`. The
file is opened first and judged second, on what was opened (``fstat``), so
nothing can be swapped in between the check and the read:

- only a *regular file* is read: a symbolic link, a folder, a FIFO, a socket
  or a device (``/dev/zero``, a terminal) is refused with a reason, and a FIFO
  or a device is never waited on (``O_NONBLOCK``);
- the size is checked before reading, and reading stops one byte past the cap
  (a file that grows while it is read is refused too);
- with ``root=``, the path is walked one folder at a time from ``root``, each
  step opened with ``O_NOFOLLOW``: a symbolic link anywhere on the way, ``..``
  or an absolute path is refused, so nothing outside ``root`` is ever opened.

Anything refused is a :class:`~netpol_lab.errors.ParseError` whose ``source``
is the file name, like any other unreadable input.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "deny.yaml").write_text("kind: NetworkPolicy\\n")
>>> read_file(folder / "deny.yaml", root=folder)
b'kind: NetworkPolicy\\n'
>>> (folder / "link.yaml").symlink_to("/etc/passwd")
>>> read_file(folder / "link.yaml", root=folder)
Traceback (most recent call last):
...
netpol_lab.errors.ParseError: ...link.yaml: refused: the file is a symbolic link ...
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import ParseError

MAX_FILE_BYTES = 64 * 1024 * 1024  # a file named on the command line or in the Python API
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | getattr(os, "O_NOCTTY", 0)


def kind_of(mode: int) -> str:
    """What a file is, in words, from its ``st_mode``.

    Examples
    --------
    >>> kind_of(os.stat("/").st_mode)
    'a folder'
    """
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def refused(name: str, why: str, expected: str = "a regular YAML or JSON file") -> ParseError:
    """The error for a file netpol_lab will not read (``source`` is the file name)."""
    return ParseError(f"refused: {why}", source=name, expected=expected)


def read_file(path: str | os.PathLike, *, max_bytes: int = MAX_FILE_BYTES,
              root: str | os.PathLike | None = None, single_link: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Parameters
    ----------
    path : path
        The file. With ``root``, it must lie inside ``root`` (absolute, or
        relative to ``root``).
    max_bytes : int
        A larger file is refused before it is read.
    root : path, optional
        Confine the read to this folder: every step from ``root`` to the file
        is opened without following symbolic links.
    single_link : bool
        Also refuse a file with more than one hard link (a hard link can make
        a file outside ``root`` appear inside it).

    Raises
    ------
    ParseError
        When the file is missing, unreadable, not a regular file, reached
        through a symbolic link, outside ``root`` or too large.
    """
    path = Path(path)
    name = str(path)
    fd = _open_inside(path, Path(root)) if root is not None else _open(path, name)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refused(name, f"the path is {kind_of(info.st_mode)}, not a regular file")
        if single_link and info.st_nlink > 1:
            raise refused(name, f"the file has {info.st_nlink} hard links (it may be a file "
                          "from outside the folder)", "a file of its own, not a hard link")
        if info.st_size > max_bytes:
            raise refused(name, f"the file has {info.st_size:,} bytes, more than the limit of "
                          f"{max_bytes:,}", f"a file of at most {max_bytes:,} bytes")
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", source=name) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise refused(name, f"the file grew past the limit of {max_bytes:,} bytes while it was "
                      "read", f"a file of at most {max_bytes:,} bytes")
    return data


def check_regular(path: str | os.PathLike) -> None:
    """Refuse at once anything but an existing regular file (a symbolic link to one is fine).

    For command-line arguments: ``--policies /dev/zero``, a FIFO or a folder is
    a clear error before any work starts, never a hang or a "missing" file.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise ParseError("no such file", source=name,
                             expected="a path to a YAML or JSON file") from None
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", source=name) from None
    if not stat.S_ISREG(info.st_mode):
        raise refused(name, f"the path is {kind_of(info.st_mode)}, not a regular file")


def _open(path: Path, name: str) -> int:
    """Open a path the caller chose; the last step may not be a symbolic link."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", source=name) from None
    if stat.S_ISLNK(info.st_mode):  # named on purpose, e.g. a dotfiles link: read its target
        try:
            info = os.stat(path)
        except OSError as exc:
            raise ParseError(f"cannot read the file: {exc.strerror or exc}",
                             source=name) from None
        flags = _FILE_FLAGS & ~_NOFOLLOW
    else:
        flags = _FILE_FLAGS
    if not stat.S_ISREG(info.st_mode):  # never open a device or a FIFO, even without blocking
        raise refused(name, f"the path is {kind_of(info.st_mode)}, not a regular file")
    try:
        return os.open(path, flags)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", source=name) from None


def _open_inside(path: Path, root: Path) -> int:
    """Open ``path`` from ``root`` one step at a time, never following a symbolic link."""
    name = str(path)
    try:  # compared as written (made absolute, ".." folded): never resolved through links
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        raise refused(name, f"the file is outside {root}") from None
    parts = rel.parts
    if not parts or any(p in ("..", "", "/") for p in parts) or rel.is_absolute():
        raise refused(name, f"the path leaves {root}")
    try:
        current = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise ParseError(f"cannot open the folder: {exc.strerror or exc}",
                         source=str(root)) from None
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            try:
                info = os.lstat(part, dir_fd=current)
            except OSError as exc:
                raise ParseError(f"cannot read the file: {exc.strerror or exc}",
                                 source=name) from None
            if stat.S_ISLNK(info.st_mode):
                raise refused(name, "the file is a symbolic link (only files inside the "
                              "learner's own folder are read)" if last else
                              f"the folder {part!r} on its way is a symbolic link")
            if last and not stat.S_ISREG(info.st_mode):
                raise refused(name, f"the path is {kind_of(info.st_mode)}, not a regular file")
            flags = _FILE_FLAGS if last else os.O_RDONLY | _NOFOLLOW | _DIRECTORY | _CLOEXEC
            try:
                fd = os.open(part, flags, dir_fd=current)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise refused(name, "the file is a symbolic link") from None
                raise ParseError(f"cannot read the file: {exc.strerror or exc}",
                                 source=name) from None
            os.close(current)
            current = fd
        return current
    except BaseException:
        os.close(current)
        raise
