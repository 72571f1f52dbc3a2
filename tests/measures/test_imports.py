"""Importing observations: bad files get every problem by row and column, and nothing is
written; good files import once, and again changes nothing."""

import zipfile

import pytest

from melior.measures.imports import ImportRefused, import_observations
from melior.measures.models import Observation

HEADER = "site,measure,period_start,numerator,denominator\n"


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(world, path, **kwargs):
    with pytest.raises(ImportRefused) as refused:
        import_observations(world.network, path, **kwargs)
    assert not Observation.objects.exists()  # all or nothing
    return [str(p) for p in refused.value.problems]


def test_a_good_file_imports_once_and_reports_changes(world, tmp_path):
    rows = "".join(
        f"{world.school.slug},on-track,2025-09-{day:02d},{10 + i},40\n"
        for i, day in enumerate((1, 8, 15))
    )
    path = write(tmp_path, HEADER + rows)
    dry = import_observations(world.network, path, dry_run=True)
    assert (dry.added, Observation.objects.count()) == (3, 0)
    assert "Nothing was written" in dry.summary
    first = import_observations(world.network, path)
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    again = import_observations(world.network, path)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    corrected = write(tmp_path, HEADER + rows.replace(",10,40", ",12,40"), "v2.csv")
    third = import_observations(world.network, corrected)
    assert (third.added, third.changed, third.unchanged) == (0, 1, 2)
    assert Observation.objects.get(period_start="2025-09-01").numerator == 12


def test_semicolons_a_bom_names_and_a_column_mapping(world, tmp_path):
    text = "\ufeffSchool;What;Week;Done;Out of\nLincoln High;On track;01/09/2025;5;10\n"
    path = write(tmp_path, text)
    mapping = {
        "site": "School",
        "measure": "What",
        "period_start": "Week",
        "numerator": "Done",
        "denominator": "Out of",
    }
    assert import_observations(world.network, path, mapping=mapping).added == 1


def test_every_bad_row_is_named_and_nothing_is_written(world, tmp_path):
    rows = [
        f"{world.school.slug},on-track,2025-09-01,50,40",  # numerator > denominator
        f"{world.school.slug},on-track,2025-09-03,5,40",  # a Wednesday
        f"{world.school.slug},on-track,2025-09-08,lots,40",  # not a number
        "nowhere-high,on-track,2025-09-08,5,40",  # unknown site
        f"{world.school.slug},happiness,2025-09-08,5,40",  # unknown measure
        f"{world.school.slug},on-track,2025-09-15,-1,40",  # negative count
        f"{world.school.slug},on-track,2025-09-22,5,40",
        f"{world.school.slug},on-track,2025-09-22,6,40",  # duplicate of the row before
        f"{world.other_school.slug},on-track,2025-09-29,5,40",  # a site of another network
        f"{world.school.slug},on-track,someday,5,40",
    ]
    found = problems(world, write(tmp_path, HEADER + "\n".join(rows) + "\n"))
    expected = [
        "Row 2, numerator: The numerator (50) cannot be larger",
        "Row 3, period_start: Periods of this weekly measure start on Monday, Sep 1, 2025",
        "Row 4, numerator: 'lots' is not a number",
        "Row 5, site: Unknown site “nowhere-high”",
        "Row 6, measure: Unknown measure “happiness”",
        "Row 7, numerator: A count cannot be negative",
        "Row 9: Same site, measure and period as row 8",
        "Row 10, site: Unknown site",
        "Row 11, period_start: “someday” is not a date",
    ]
    for fragment in expected:
        assert any(p.startswith(fragment) for p in found), (fragment, found)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "empty.csv", "The file is empty (0 bytes)."),
        ("site,measure\nx,y\n", "cols.csv", "has no “period_start” column"),
        ("site,measure,period_start\nx,y,2025-09-01\n", "novalue.csv", "needs a 'value' column"),
        (
            "site,measure,period_start,value\nx,y,2025-09-01,1,extra\n",
            "extra.csv",
            "5 cells but only 4",
        ),
    ],
)
def test_bad_files(world, tmp_path, content, name, message):
    found = problems(world, write(tmp_path, content, name))
    assert any(message in p for p in found), found


def test_older_encodings_are_read_and_undecodable_bytes_refused(world, tmp_path):
    # a CSV saved by an older spreadsheet program (Windows-1252): the cell is quoted in full
    latin = write(
        tmp_path, HEADER + "Lincoln High,on-track,2025-09-01,1,2 café\n", encoding="cp1252"
    )
    assert any(p.startswith("Row 2, denominator: '2 café'") for p in problems(world, latin))
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"site,measure\n\x81\x8d\x8f\x90\x9d\n")
    assert any("is not text" in p for p in problems(world, garbage))
    broken = tmp_path / "truncated.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("not-a-workbook.txt", "x")
    assert any("not a readable .xlsx workbook" in p for p in problems(world, broken))


def test_xlsx_file(world, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["site", "measure", "period_start", "value"])
    sheet.append([world.school.slug, "referrals", "2025-09-01", 3])
    path = tmp_path / "data.xlsx"
    book.save(path)
    assert import_observations(world.network, path).added == 1
    assert Observation.objects.get().value == 3


def test_import_page_checks_then_imports(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("import-observations", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:site_lead"])
    content = (
        f"School,measure,period_start,numerator,denominator\n"
        f"{world.school.slug},on-track,2025-09-01,5,10\n"
    ).encode()
    checked = client.post(url, {"file": SimpleUploadedFile("w.csv", content), "map_site": "School"})
    assert checked.status_code == 200
    assert "importing would add 1" in checked.text and not Observation.objects.exists()
    token = checked.context["upload"]
    done = client.post(url, {"commit": "1", "upload": token, "map_site": "School"})
    assert done.status_code == 200 and "1 added" in done.text
    saved = Observation.objects.get()
    assert saved.entered_by == world.users["school:site_lead"]
    assert saved.entered_at == saved.updated_at and saved.entered_at.tzinfo is not None
    assert (saved.numerator, saved.denominator, saved.value) == (5, 10, None)
    # the checked file is gone once used
    again = client.post(url, {"commit": "1", "upload": token})
    assert again.status_code == 400 and "expired" in again.text


def test_import_page_refuses_other_schools_and_bad_files(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("import-observations", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:site_lead"])
    other = (
        f"site,measure,period_start,numerator,denominator\n"
        f"{world.sibling_school.slug},on-track,2025-09-01,5,10\n"
    ).encode()
    response = client.post(url, {"file": SimpleUploadedFile("o.csv", other)})
    assert response.status_code == 400 and "You may not enter data for Parks High" in response.text
    response = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert response.status_code == 400 and "Choose a .csv or .xlsx file" in response.text
    assert not Observation.objects.exists()
    client.force_login(world.users["network:viewer"])
    assert client.get(url).status_code == 403
    # someone else's checked upload cannot be committed
    client.force_login(world.users["network:network_lead"])
    forged = f"{world.users['school:site_lead'].pk}-{'0' * 32}.csv"
    assert client.post(url, {"commit": "1", "upload": forged}).status_code == 400


def test_column_mapping_is_remembered_per_source(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from melior.measures.models import ImportMapping

    url = reverse("import-observations", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:site_lead"])

    def upload(week, **extra):
        content = (
            f"School,Indicator,Week,Num,Den\n{world.school.slug},on-track,{week},5,10\n"
        ).encode()
        return client.post(
            url, {"file": SimpleUploadedFile("w.csv", content), "source": "SIS export", **extra}
        )

    mapping = {
        "map_site": "School",
        "map_measure": "Indicator",
        "map_period_start": "Week",
        "map_numerator": "Num",
        "map_denominator": "Den",
    }
    checked = upload("2025-09-01", **mapping)
    client.post(
        url, {"commit": "1", "upload": checked.context["upload"], "source": "SIS export", **mapping}
    )
    assert ImportMapping.objects.get().mapping == {k[4:]: v for k, v in mapping.items()}
    # next week's file from the same source needs no mapping typed again
    second = upload("2025-09-08")
    assert second.status_code == 200 and "importing would add 1" in second.text
    assert "SIS export" in client.get(url).text
