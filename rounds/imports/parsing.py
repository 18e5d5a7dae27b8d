"""Reading candidate spreadsheets: CSV (UTF-8 with or without BOM, else Windows-1252; comma,
semicolon, tab or pipe separated) and XLSX (first worksheet, read-only so 100,000 rows stream).

Line numbers are the spreadsheet's: the header is line 1, the first data row line 2. Blank rows
keep their line number but are not rows: they are neither imported nor counted."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError

CSV_EXTENSIONS = {"csv", "tsv", "txt"}
XLSX_EXTENSIONS = {"xlsx", "xlsm"}
DELIMITERS = (",", ";", "\t", "|")
MAX_COLUMNS = 1000  # the full NPPES file has 330
SAMPLE_ROWS = 50  # rows whose values the mapping suggestion reads
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
def open_table(fileobj, file_format: str, *, encoding: str = "utf-8-sig", delimiter: str = ","):
    """Yield (headers, rows) where rows iterates (line_number, [cell text, ...]) over the
    non-blank data rows. The header row is line 1."""
    if file_format == "xlsx":
        from openpyxl import load_workbook

        fileobj.seek(0)
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = next(values, None)
            headers = unique_headers([cell_text(v) for v in header or ()])
            yield headers, _xlsx_rows(values, len(headers))
        finally:
            workbook.close()
        return
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="", errors="replace")
    try:
        reader = csv.reader(text, delimiter=delimiter)
        header = next(reader, None)
        headers = unique_headers([c.strip() for c in header or ()])
        yield headers, _csv_rows(reader, len(headers))
    finally:
        text.detach()


def _csv_rows(reader, width: int) -> Iterator[tuple[int, list[str]]]:
    line = 1
    strip = str.strip
    for record in reader:
        line += 1
        cells = list(map(strip, record[:width]))  # map: a 330-column row, 1,000 times over
        if not any(cells) and not any(map(strip, record[width:])):
            continue
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield line, cells


def _xlsx_rows(values, width: int) -> Iterator[tuple[int, list[str]]]:
    line = 1
    for record in values:
        line += 1
        cells = [cell_text(v) for v in record[:width]]
        if not any(cells):
            continue
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield line, cells


def inspect_upload(uploaded_file, max_bytes: int) -> dict:
    """Check an upload is a spreadsheet we can read and describe it: format, encoding,
    delimiter, headers, number of rows and the first rows. Raises ValidationError on "file"
    saying what is wrong."""
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

    try:
        with open_table(uploaded_file, file_format, encoding=encoding,
                        delimiter=delimiter) as (headers, rows):
            preview, sample, total = [], [], 0
            filled = [0] * len(headers)
            for line, cells in rows:
                total += 1
                for i, cell in enumerate(cells):
                    if cell:
                        filled[i] += 1
                if len(sample) < SAMPLE_ROWS:
                    sample.append(cells)
                    if len(preview) < 5:
                        preview.append((line, cells))
    except (csv.Error, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        refuse(f"{name} could not be read as a spreadsheet ({exc}).", "unreadable")
    finally:
        uploaded_file.seek(0)
    if not headers or not any(not h.startswith("Column ") for h in headers):
        refuse(f"{name} has no column names: the first line must name the columns.", "no_header")
    if len(headers) > MAX_COLUMNS:
        refuse(f"{name} has {len(headers)} columns; at most {MAX_COLUMNS} can be mapped.",
               "too_wide")
    if total == 0:
        refuse(f"{name} has column names but no rows to import.", "no_rows")
    return {
        "file_format": file_format, "encoding": encoding, "delimiter": delimiter,
        "headers": headers, "total_rows": total, "preview": preview, "sample": sample,
        "filled": filled,
    }
