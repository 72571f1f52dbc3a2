"""Hostile and damaged files, as someone with a crafted file would bring them: every import path
(web and command line) refuses them quickly, with a plain message, holding little memory and
keeping nothing."""

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from typer.testing import CliRunner

from melior import files
from melior.cli import app
from melior.governance.roster import read_export
from melior.measures.imports import ImportRefused, import_observations

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
runner = CliRunner()


def workbook(rows=(("site", "measure", "period_start", "value"),)) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_member(archive: bytes, name: str, data: bytes) -> bytes:
    """The zip with one member's content replaced (added when missing)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        target.writestr(name, data)
    return out.getvalue()


def xlsx_bomb(inflated_mb: int = 30) -> bytes:
    """A real workbook whose sheet is one cell of `inflated_mb` MB: about 1,000 times its
    packed size, as the crafted workbook that held a worker for five minutes."""
    cell = b"A" * (inflated_mb * 2**20)
    sheet = (
        SHEET_HEAD.encode()
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
        + cell
        + b"</t></is></c></row>"
        + SHEET_TAIL.encode()
    )
    return with_member(workbook(), SHEET, sheet)


def roster_bomb(inflated_mb: int = 30) -> bytes:
    """A roster export whose users.csv unpacks to `inflated_mb` MB from a few tens of KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orgs.csv", "sourcedId,name,type\nd1,Cedar District,district\n")
        archive.writestr("users.csv", b"sourcedId,identifier\n" + b"0" * (inflated_mb * 2**20))
    return out.getvalue()


def lying_zip(real_bytes: int = 5 * 2**20, declared: int = 1000) -> bytes:
    """A zip whose headers declare `declared` bytes for a member that inflates to
    `real_bytes`: the sizes a zip states can lie."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", b"a" * real_bytes)
    data = bytearray(out.getvalue())
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = struct.pack("<L", declared)
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<L", declared)
    return bytes(data)


def refused_quickly(call) -> str:
    """Run `call`, which must refuse; returns the message, checking the refusal took under a
    second and under 5 MB of memory held at its peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises((files.FileRefused, ImportRefused, ValidationError)) as refused:
            call()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert peak < 5 * 2**20, f"held {peak / 2**20:.1f} MB"
    error = refused.value
    if isinstance(error, ImportRefused):
        return " ".join(str(p) for p in error.problems)
    return " ".join(getattr(error, "messages", [str(error)]))


# -- bombs -------------------------------------------------------------------------------------


def test_an_xlsx_bomb_is_refused_before_it_is_parsed(world, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(xlsx_bomb())
    assert bomb.stat().st_size < 200 * 1024  # 30 MB of XML in well under 200 KB
    message = refused_quickly(lambda: import_observations(world.network, bomb, dry_run=True))
    assert "xl/worksheets/sheet1.xml unpacks to more than 100 times its packed size" in message
    assert "zip bomb" in message


def test_a_roster_zip_bomb_is_refused_before_it_is_read():
    bomb = roster_bomb()
    assert len(bomb) < 200 * 1024
    message = refused_quickly(lambda: read_export(bomb))
    assert "users.csv unpacks to more than 100 times its packed size" in message


def test_a_zip_whose_sizes_lie_is_refused_while_it_is_unpacked():
    lying = lying_zip()
    # the central directory says 1,000 bytes: only counting the unpacked bytes catches it
    assert zipfile.ZipFile(io.BytesIO(lying)).infolist()[0].file_size == 1000
    message = refused_quickly(lambda: read_export(lying))
    assert "damaged or incomplete" in message or "more than the zip declares" in message


def test_a_zip_unpacking_past_the_total_limit_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_INFLATED_BYTES", 2**20)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # no compression: ratio 1
        archive.writestr("users.csv", b"x" * (2 * 2**20))
    message = refused_quickly(lambda: read_export(out.getvalue()))
    assert "The zip unpacks to 2 MB; the limit is 1 MB." in message


def test_a_zip_of_very_many_members_is_refused_unread():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(files.MAX_MEMBERS + 1):
            archive.writestr(f"f{number}.csv", "")
    message = refused_quickly(lambda: read_export(out.getvalue()))
    assert "The zip holds more than 1,000 files." in message


def test_tables_past_the_row_and_column_limits_are_refused(world, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 10)
    long = tmp_path / "long.csv"
    long.write_text("site,measure,period_start,value\n" + "a,b,2025-09-01,1\n" * 11)
    message = refused_quickly(lambda: import_observations(world.network, long, dry_run=True))
    assert "12 lines; the limit is 10 rows" in message
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{n}" for n in range(1001)) + "\n")
    message = refused_quickly(lambda: import_observations(world.network, wide, dry_run=True))
    assert "1,001 columns; the limit is 1,000" in message
    sheet = tmp_path / "wide.xlsx"
    sheet.write_bytes(workbook([["site"] + [""] * 1200 + ["far"]]))
    message = refused_quickly(lambda: import_observations(world.network, sheet, dry_run=True))
    assert "1,202 columns; the limit is 1,000" in message
    tall = tmp_path / "tall.xlsx"
    tall.write_bytes(workbook([["site"]] * 12))
    message = refused_quickly(lambda: import_observations(world.network, tall, dry_run=True))
    assert "more than 10 rows" in message


def test_an_xlsx_declaring_a_huge_sheet_reads_only_its_cells(world, tmp_path):
    """A sheet's <dimension> can claim a million rows and 16,384 columns; only the cells in
    it are read."""
    sheet = (
        SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
        + '<row r="1"><c r="A1" t="inlineStr"><is><t>site</t></is></c></row>'
        + SHEET_TAIL
    )
    path = tmp_path / "claims.xlsx"
    path.write_bytes(with_member(workbook(), SHEET, sheet.encode()))
    message = refused_quickly(lambda: import_observations(world.network, path, dry_run=True))
    assert "The file has no “measure” column (it has site)." in message


# -- damaged workbooks -------------------------------------------------------------------------

ENTITIES = (
    '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>'
)


def damaged_workbooks() -> dict[str, tuple[bytes, str]]:
    good = workbook()
    sheet = zipfile.ZipFile(io.BytesIO(good)).read(SHEET)
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return {
        "not a zip": (b"This is plain text named .xlsx\n" * 20, "not a zip file"),
        "cut short": (good[: len(good) // 2], "not a zip file"),
        "a zip that is not a workbook": (not_a_workbook.getvalue(), "not a readable .xlsx"),
        "truncated XML": (with_member(good, SHEET, sheet[: len(sheet) // 2]), "not a readable"),
        "XML entities": (with_member(good, SHEET, ENTITIES.encode()), "declares XML entities"),
    }


@pytest.mark.parametrize("kind", list(damaged_workbooks()))
def test_a_damaged_xlsx_gets_a_400_with_a_plain_message(client, world, kind):
    content, expected = damaged_workbooks()[kind]
    url = reverse("import-observations", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:site_lead"])
    response = client.post(url, {"file": SimpleUploadedFile("week.xlsx", content)})
    assert response.status_code == 400
    assert expected in response.text
    assert "Traceback" not in response.text
    assert not list(uploads_folder().iterdir())


@pytest.mark.parametrize("kind", list(damaged_workbooks()))
def test_a_damaged_xlsx_is_a_clear_error_at_the_command_line(world, tmp_path, kind):
    content, expected = damaged_workbooks()[kind]
    path = tmp_path / "week.xlsx"
    path.write_bytes(content)
    result = runner.invoke(
        app, ["import", "observations", str(path), "--network", world.network.slug]
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output.replace("\n", " ")


# -- every import path, on the web and at the command line -------------------------------------


def uploads_folder() -> Path:
    from django.conf import settings

    return files.private_folder(Path(settings.FILE_UPLOAD_TEMP_DIR))


def test_bombs_on_the_web_are_a_quick_400_and_nothing_is_kept(client, world, pilot_purpose):
    client.force_login(world.users["network:network_lead"])
    observations = reverse("import-observations", kwargs={"network": world.network.slug})
    started = time.perf_counter()
    response = client.post(observations, {"file": SimpleUploadedFile("w.xlsx", xlsx_bomb())})
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 400 and "zip bomb" in response.text

    client.force_login(world.users["network:data_steward"])
    students = reverse("students-import", kwargs={"network": world.network.slug})
    started = time.perf_counter()
    response = client.post(
        students, {"kind": "roster", "file": SimpleUploadedFile("roster.zip", roster_bomb())}
    )
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 400 and "zip bomb" in response.text
    assert not list(uploads_folder().iterdir())


def test_student_imports_have_a_size_limit(client, world, pilot_purpose, monkeypatch, tmp_path):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    big = b"student_id,school,name,value,date\n" + b"S1,lincoln-high,Math,1,2025-05-01\n" * 80
    client.force_login(world.users["network:data_steward"])
    url = reverse("students-import", kwargs={"network": world.network.slug})
    for kind in ("outcomes", "usage"):
        response = client.post(
            url,
            {
                "kind": kind,
                "purpose": pilot_purpose.pk,
                "product": "Math app",
                "file": SimpleUploadedFile("big.csv", big),
            },
        )
        assert response.status_code == 400
        assert "The file is 3 KB; the limit is 1 KB. Split it." in response.text
    assert not list(uploads_folder().iterdir())

    path = tmp_path / "big.csv"
    path.write_bytes(big)
    common = ["--network", world.network.slug, "--purpose", pilot_purpose.name]
    for command in (
        ["import", "outcomes", str(path), *common],
        ["import", "usage", str(path), *common, "--product", "Math app"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "the limit is 1 KB" in result.output


def test_roster_bombs_at_the_command_line_are_a_clear_error(world, tmp_path):
    path = tmp_path / "roster.zip"
    path.write_bytes(roster_bomb())
    started = time.perf_counter()
    result = runner.invoke(app, ["import", "roster", str(path), "--network", world.network.slug])
    assert time.perf_counter() - started < 2.0  # Django is already set up in the test process
    assert result.exit_code == 2 and "zip bomb" in result.output.replace("\n", " ")


def test_a_tally_file_past_the_limit_names_the_field(client, world, monkeypatch):
    from melior.problems.forms import TallyImportForm

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    form = TallyImportForm({}, {"file": SimpleUploadedFile("t.csv", b"cause,count\n" * 200)})
    assert not form.is_valid()
    assert form.errors["file"] == ["The file is 3 KB; the limit is 1 KB. Split it."]


@pytest.fixture
def pilot_purpose(world):
    from melior.governance import services

    return services.add_purpose(network=world.network, name="App pilot", opt_in=True)
