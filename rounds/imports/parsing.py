"""Reading candidate spreadsheets: CSV (UTF-8 with or without BOM, else Windows-1252; comma,
semicolon, tab or pipe separated) and XLSX (first worksheet, read-only so 100,000 rows stream).

Line numbers are the spreadsheet's: the header is line 1, the first data row line 2. Blank rows
keep their line number but are not rows: they are neither imported nor counted.

Nothing a file declares is trusted: an XLSX's `<dimension ref="A1:XFD1048576">` is ignored (the
rows are read as they are), and the limits — columns, rows, characters in a CSV line, Excel's
last row — are checked while streaming, so a 2 KB "dimension bomb" or a file of 1.5 million rows
is refused after reading what proves it (`TableTooLarge`), not after reading all of it. The
upload request reads only the first rows (`inspect_upload`); the worker counts the rest."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError

CSV_EXTENSIONS = {"csv", "tsv", "txt"}
XLSX_EXTENSIONS = {"xlsx", "xlsm"}
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 50  # rows whose values the mapping suggestion reads
EXCEL_LAST_LINE = 1_048_576  # no worksheet has a row after this one
ACCEPTED = "a CSV file (.csv, .tsv, .txt) or an Excel workbook (.xlsx)"

csv.field_size_limit(1024 * 1024)


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


# --- detecting what an upload is ---------------------------------------------------------------


def detect_encoding(fileobj) -> str:
    """utf-8-sig when the whole file decodes as UTF-8 (BOM or not), else cp1252, else latin-1.
    Reads the file in blocks so a 100 MB upload is never held twice in memory."""
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := fileobj.read(1 << 20):
            decoder.decode(block)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    finally:
        fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        while block := fileobj.read(1 << 20):
            decoder.decode(block)
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"  # every byte is a character: nothing is lost, accents may look odd
    finally:
        fileobj.seek(0)


def detect_delimiter(header_line: str) -> str:
    """The separator used most often in the header line, outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def is_xlsx(fileobj) -> bool:
    """A real Office Open XML workbook: a ZIP archive holding xl/workbook.xml."""
    fileobj.seek(0)
    try:
        if fileobj.read(4) != b"PK\x03\x04":
            return False
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            return "xl/workbook.xml" in set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False
    finally:
        fileobj.seek(0)


def looks_like_text(fileobj) -> bool:
    fileobj.seek(0)
    head = fileobj.read(65536)
    fileobj.seek(0)
    if not head or b"\x00" in head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control <= len(head) // 200


# --- limits ------------------------------------------------------------------------------------


class TableTooLarge(ValueError):
    """A file beyond what an import may hold. The message says what and what to do."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def max_columns() -> int:
    from django.conf import settings

    return settings.IMPORT_MAX_COLUMNS  # the full NPPES file has 330


def _too_wide(line: int, width: int) -> TableTooLarge:
    where = "The first line" if line == 1 else f"Line {line:,}"
    return TableTooLarge(
        f"{where} has {width:,} columns (up to column {column_letter(width - 1)}); at most "
        f"{max_columns():,} columns can be imported. Delete the extra columns and save again.",
        "too_wide",
    )


def _too_long(max_rows: int) -> TableTooLarge:
    return TableTooLarge(
        f"The file has more than {max_rows:,} rows; at most {max_rows:,} can be imported at "
        "once. Split it and import the parts.",
        "too_many_rows",
    )


def _limited_lines(text, max_chars: int) -> Iterator[str]:
    """The lines of a text stream, refusing one longer than `max_chars` before reading more of
    it (iterating the stream would read a 100 MB line whole)."""
    number = 0
    while line := text.readline(max_chars + 1):
        number += 1
        if len(line) > max_chars and line[-1] not in "\r\n":
            raise TableTooLarge(
                f"Line {number:,} is longer than {max_chars:,} characters: this is not a "
                "spreadsheet of people. Check the file and its separator.", "line_too_long",
            )
        yield line


# --- reading rows ------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A spreadsheet cell as the text a person sees: 12 not 12.0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def unique_headers(raw: list[str]) -> list[str]:
    """Header names made usable as keys: blank ones named by column letter, repeats numbered."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(raw):
        name = " ".join((name or "").split()) or f"Column {column_letter(i)}"
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name[:120])
    return out


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@contextmanager
def open_table(fileobj, file_format: str, *, encoding: str = "utf-8-sig", delimiter: str = ",",
               max_rows: int | None = None):
    """Yield (headers, rows) where rows iterates (line_number, [cell text, ...]) over the
    non-blank data rows. The header row is line 1. Raises TableTooLarge, while reading, for a
    line wider than the column limit, a CSV line longer than the character limit, a worksheet
    row after Excel's last, or more than `max_rows` rows."""
    from django.conf import settings

    width_limit = max_columns()
    if file_format == "xlsx":
        from openpyxl import load_workbook

        fileobj.seek(0)
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The declared dimension is not trusted: with it, openpyxl pads every row to its
            # width and yields every row up to its height (A1:XFD1048576: 17 billion cells).
            sheet.reset_dimensions()
            values = sheet.iter_rows(values_only=True)
            header = next(values, None) or ()
            if len(header) > width_limit:
                raise _too_wide(1, len(header))
            headers = unique_headers([cell_text(v) for v in header])
            yield headers, _xlsx_rows(values, len(headers), width_limit, max_rows)
        finally:
            workbook.close()
        return
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="", errors="replace")
    try:
        reader = csv.reader(_limited_lines(text, settings.IMPORT_MAX_LINE_CHARS),
                            delimiter=delimiter)
        header = next(reader, None) or []
        if len(header) > width_limit:
            raise _too_wide(1, len(header))
        headers = unique_headers([c.strip() for c in header])
        yield headers, _csv_rows(reader, len(headers), width_limit, max_rows)
    finally:
        text.detach()


def _csv_rows(reader: Iterable[list[str]], width: int, width_limit: int,
              max_rows: int | None) -> Iterator[tuple[int, list[str]]]:
    line = 1
    rows = 0
    strip = str.strip
    for record in reader:
        line += 1
        if len(record) > width_limit:
            raise _too_wide(line, len(record))
        cells = list(map(strip, record[:width]))  # map: a 330-column row, 1,000 times over
        if not any(cells) and not any(map(strip, record[width:])):
            continue
        rows += 1
        if max_rows is not None and rows > max_rows:
            raise _too_long(max_rows)
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield line, cells


def _xlsx_rows(values, width: int, width_limit: int,
               max_rows: int | None) -> Iterator[tuple[int, list[str]]]:
    line = 1
    rows = 0
    for record in values:
        line += 1
        if line > EXCEL_LAST_LINE:
            raise TableTooLarge(
                f"The worksheet has rows after line {EXCEL_LAST_LINE:,}, the last line of an "
                "Excel worksheet: it was not written by a spreadsheet. Save it again from your "
                "spreadsheet program, or as CSV.", "not_a_sheet",
            )
        if len(record) > width_limit:
            raise _too_wide(line, len(record))
        cells = [cell_text(v) for v in record[:width]]
        if not any(cells):
            continue
        rows += 1
        if max_rows is not None and rows > max_rows:
            raise _too_long(max_rows)
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield line, cells


def inspect_upload(uploaded_file, max_bytes: int) -> dict:
    """Check an upload is a spreadsheet we can read and describe it: format, encoding,
    delimiter, headers, the first rows, and how many rows there are when the file ends within
    the rows read here (`total_rows`, else 0: the worker counts them). Reads at most
    `rows_to_inspect()` rows, whatever the file's size or what it declares. Raises
    ValidationError on "file" saying what is wrong."""
    from django.conf import settings

    from rounds.lib.uploads import human_size

    name = getattr(uploaded_file, "name", "") or "The file"
    size = uploaded_file.size or 0

    def refuse(message: str, code: str):
        raise ValidationError({"file": ValidationError(message, code=code)})

    if size > max_bytes:
        refuse(f"{name} is {human_size(size)}; the limit for imports is {human_size(max_bytes)}. "
               "Split the file and import the parts.", "too_large")
    if size == 0:
        refuse(f"{name} is empty.", "empty")
    ext = extension(name)
    if ext == "xls":
        refuse(f"{name} is an old Excel 97–2003 workbook. Save it as .xlsx or .csv and upload "
               "that.", "bad_type")
    if ext in XLSX_EXTENSIONS:
        if not is_xlsx(uploaded_file):
            refuse(f"{name} is named .{ext} but is not an Excel workbook. Upload {ACCEPTED}.",
                   "bad_type")
        file_format, encoding, delimiter = "xlsx", "", ""
    elif ext in CSV_EXTENSIONS:
        if not looks_like_text(uploaded_file):
            refuse(f"{name} is named .{ext} but its content is not text. Upload {ACCEPTED}.",
                   "bad_type")
        file_format = "csv"
        encoding = detect_encoding(uploaded_file)
        uploaded_file.seek(0)
        first = uploaded_file.read(65536).decode(encoding, errors="replace")
        uploaded_file.seek(0)
        delimiter = detect_delimiter(first.splitlines()[0] if first else "")
    else:
        kind = f".{ext} file" if ext else "file without an extension"
        refuse(f"{name} is a {kind}, which is not a spreadsheet. Upload {ACCEPTED}.", "bad_type")

    limit = rows_to_inspect()
    ended = True
    try:
        with open_table(uploaded_file, file_format, encoding=encoding, delimiter=delimiter,
                        max_rows=settings.IMPORT_MAX_ROWS) as (headers, rows):
            preview, sample, read = [], [], 0
            filled = [0] * len(headers)
            for line, cells in rows:
                read += 1
                for i, cell in enumerate(cells):
                    if cell:
                        filled[i] += 1
                if len(sample) < SAMPLE_ROWS:
                    sample.append(cells)
                    if len(preview) < 5:
                        preview.append((line, cells))
                if read >= limit:
                    # The rest is the worker's to count: a request never reads a whole file.
                    ended = next(rows, None) is None
                    break
    except TableTooLarge as exc:
        refuse(f"{name}: {exc}", exc.code)
    except (csv.Error, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        refuse(f"{name} could not be read as a spreadsheet ({exc}).", "unreadable")
    finally:
        uploaded_file.seek(0)
    if not headers or not any(not h.startswith("Column ") for h in headers):
        refuse(f"{name} has no column names: the first line must name the columns.", "no_header")
    if read == 0:
        refuse(f"{name} has column names but no rows to import.", "no_rows")
    return {
        "file_format": file_format, "encoding": encoding, "delimiter": delimiter,
        "headers": headers, "total_rows": read if ended else 0, "rows_read": read,
        "preview": preview, "sample": sample, "filled": filled,
    }


def rows_to_inspect() -> int:
    """How many rows the upload request reads: enough for the preview, the mapping's sample
    and which columns hold values, and to tell a file small enough to import in the request."""
    from django.conf import settings

    return max(SAMPLE_ROWS, settings.IMPORT_INSPECT_ROWS, settings.IMPORT_INLINE_MAX_ROWS + 1)
