"""Hostile spreadsheets, built in memory and small on disk: an XLSX whose worksheet XML is
written by hand (a declared dimension, a cell far to the right, a row after Excel's last)."""

import io
import re
import zipfile

from openpyxl import Workbook


def _inline(ref: str, value) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def xlsx(rows: dict[int, dict[str, object]], *, dimension: str | None = None) -> bytes:
    """A workbook whose first sheet holds `rows` ({line: {column letter: value}}) exactly as
    given, declaring `dimension` (e.g. "A1:XFD1048576") if given."""
    out = io.BytesIO()
    Workbook().save(out)
    sheet_data = "".join(
        f'<row r="{line}">' + "".join(_inline(f"{col}{line}", v) for col, v in cells.items())
        + "</row>"
        for line, cells in sorted(rows.items())
    )
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                xml = re.sub(r"<sheetData\s*/>|<sheetData>.*</sheetData>",
                             f"<sheetData>{sheet_data}</sheetData>", xml, flags=re.S)
                if dimension:
                    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>',
                                 xml)
                    if "<dimension" not in xml:
                        xml = xml.replace("<sheetViews>", f'<dimension ref="{dimension}"/>'
                                          "<sheetViews>", 1)
                data = xml.encode()
            dst.writestr(item, data)
    return result.getvalue()


HEADER = {"A": "First Name", "B": "Last Name", "C": "Profession"}


def dimension_bomb() -> bytes:
    """Two people, declaring A1:XFD1048576 (17 billion cells) — about 2 KB."""
    return xlsx({1: HEADER, 2: {"A": "Ana", "B": "Silva", "C": "MD"},
                 3: {"A": "Ben", "B": "Cruz", "C": "RN"}}, dimension="A1:XFD1048576")


def wide_row_bomb() -> bytes:
    """A person whose row has a cell in the last column, XFD (16,384 columns)."""
    return xlsx({1: HEADER, 2: {"A": "Ana", "B": "Silva", "C": "MD", "XFD": "x"}})


def beyond_last_row() -> bytes:
    """A row numbered after Excel's last (1,048,576): no spreadsheet program writes one."""
    return xlsx({1: HEADER, 2: {"A": "Ana", "B": "Silva", "C": "MD"},
                 1_048_600: {"A": "Ben", "B": "Cruz", "C": "RN"}})
