"""CSV cells that a spreadsheet will not run as formulas (CSV / formula injection).

Following the OWASP guidance, a cell that starts with =, +, -, @, a tab or a carriage return is
prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text. Every cell
goes through `neutralize`; phone numbers in E.164 (+14035550123) and negative numbers are
neutralized too, which is the accepted price: they still read correctly, and `unneutralize`
gives the original back when an exported file is imported again."""

from __future__ import annotations

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


# Quoted whenever present: the CSV's own comma, and the separators spreadsheets in other
# locales split on (semicolon, tab) — unquoted, `a;=1+1` would open as a cell `=1+1`.
QUOTE_WHEN = frozenset(',;\t"\r\n')


def _cell(text: str) -> str:
    if QUOTE_WHEN.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_line(values: Iterable[Any]) -> str:
    """One CSV line (RFC 4180, CRLF), every cell neutralized and quoted when it holds any
    separator."""
    return ",".join(_cell(v) for v in safe_row(values)) + "\r\n"


def stream_rows(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV lines, header first, every cell neutralized; for StreamingHttpResponse."""
    yield "\ufeff"  # byte-order mark: Excel then reads the file as UTF-8
    yield csv_line(header)
    for row in rows:
        yield csv_line(row)
