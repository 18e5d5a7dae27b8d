import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = ["ID", "First Name", "Last Name", "E-mail", "Mobile", "Profession", "Specialty",
          "Licence jurisdictions", "Licence number", "City", "Province", "Postal code",
          "Country", "Years of experience", "Tags", "Notes"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(content: bytes, name="people.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def person(i, **over):
    row = {
        "ID": f"EXT-{i}", "First Name": f"Ana{i}", "Last Name": "Silva",
        "E-mail": f"ana{i}@example.com", "Mobile": f"403-555-{i % 10000:04d}",
        "Profession": "MD", "Specialty": "Family medicine", "Licence jurisdictions": "AB",
        "Licence number": f"L{i}", "City": "Calgary", "Province": "AB", "Postal code": "T2E 1Y7",
        "Country": "Canada", "Years of experience": "7", "Tags": "rural;obstetrics",
        "Notes": "Met at the CFPC forum.",
    }
    row.update(over)
    return [row[h] for h in HEADER]
