"""CSV cells that a spreadsheet will not run as formulas (CSV / formula injection).

Following the OWASP guidance, a cell that starts with =, +, -, @, a tab or a carriage return is
prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text. Every cell
goes through `neutralize`; phone numbers in E.164 (+14035550123) and negative numbers are
neutralized too, which is the accepted price: they still read correctly, and `unneutralize`
gives the original back when an exported file is imported again."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> str:
    """The cell as text, prefixed with ' when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """Undo `neutralize` (for re-import): drop one ' that precedes a dangerous character."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(DANGEROUS_FIRST):
        return text[1:]
    return text


def safe_row(values: Iterable[Any]) -> list[str]:
    return [neutralize(v) for v in values]


class _Echo:
    """A file-like object whose write returns what it was given (for streaming)."""

    def write(self, value: str) -> str:
        return value


def stream_rows(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV lines, header first, every cell neutralized; for StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # byte-order mark: Excel then reads the file as UTF-8
    yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))
