"""JSON Lines and JSON: the CSV's rows as objects, streamed.

Each object has the keys of :data:`~netpol_lab.rows.COLUMNS`; ``allowed`` is
a boolean, ``port`` a number, and an empty decider is ``null``. ``jsonl``
writes one object a line; ``json`` writes one array, a row at a time, so
neither holds the table in memory.
"""

from __future__ import annotations

import json
from typing import TextIO

from ..rows import TableRows
from .pieces import Pieces, write_blobs


def _pieces(rows: TableRows, end: str) -> Pieces:
    return Pieces(
        rows,
        source=lambda i: '{"source":' + json.dumps(i) + ",",
        column=lambda d, port, protocol:
            f'"destination":{json.dumps(d)},"port":{port},"protocol":{json.dumps(protocol)},',
        tail=lambda allowed, reason, egress, ingress:
            f'"allowed":{"true" if allowed else "false"},"reason":{json.dumps(reason)},'
            f'"egress":{json.dumps(egress or None)},"ingress":{json.dumps(ingress or None)}}}'
            + end)


def write_jsonl(rows: TableRows, out: TextIO) -> None:
    """Write one JSON object per row, one per line."""
    write_blobs(out, _pieces(rows, "\n").blobs())


def write_json(rows: TableRows, out: TextIO) -> None:
    """Write the rows as one JSON array, streamed block by block."""
    def held_back():  # every row ends with ",\n": the last one's comma is held back
        separator = b"[\n"
        for blob in _pieces(rows, ",\n").blobs():
            yield separator + blob[:-2]
            separator = b",\n"
        yield b"[\n]\n" if separator == b"[\n" else b"\n]\n"

    write_blobs(out, held_back())
