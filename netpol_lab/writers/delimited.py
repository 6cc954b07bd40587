"""CSV: one short row per connection, written straight from the matrices.

Columns: ``source,destination,port,protocol,allowed,reason,egress,ingress``
(:data:`~netpol_lab.rows.COLUMNS`); ``allowed`` is ``true``/``false``,
``reason`` a code of :data:`~netpol_lab.rows.REASONS`, ``egress`` and
``ingress`` the deciding policy or rule (empty when that end is not
isolated). Quoting follows :mod:`csv` (RFC 4180).
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from typing import TextIO

from ..rows import COLUMNS, TableRows
from .pieces import Pieces, write_blobs


@lru_cache(maxsize=1 << 16)
def _cell(value: object) -> str:
    """One CSV cell, quoted when it has to be (as ``csv.writer`` does); empty stays empty."""
    if value == "":
        return ""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


def write_csv(rows: TableRows, out: TextIO) -> None:
    """Write every row of ``rows`` as CSV, with a header line."""
    out.write(",".join(COLUMNS) + "\n")
    pieces = Pieces(
        rows,
        source=lambda i: _cell(i) + ",",
        column=lambda d, port, protocol: f"{_cell(d)},{port},{protocol},",
        tail=lambda allowed, reason, egress, ingress:
            f"{'true' if allowed else 'false'},{reason},{_cell(egress)},{_cell(ingress)}\n")
    write_blobs(out, pieces.blobs())
