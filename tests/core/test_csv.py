"""Every CSV download opens in a spreadsheet as text, never as a formula that runs."""

import csv
import datetime
import io

from melior.core.csv import csv_response, csv_text


def test_csv_cells_never_run_as_formulas():
    text = csv_text(["name", "value"], [["=1+2", -3], ["+cmd", "@SUM(A1)"], ["-2", 4.5]])
    assert text.splitlines() == ["name,value", "'=1+2,-3", "'+cmd,'@SUM(A1)", "'-2,4.5"]


def test_a_download_is_named_and_safe_in_every_cell():
    response = csv_response(
        "roosevelt-students.csv",
        ["key", "note"],
        [["\tTAB", datetime.date(2026, 9, 1)], ["plain", None], ["\r=HYPERLINK()", 7]],
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="roosevelt-students.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["key", "note"],
        ["'\tTAB", "2026-09-01"],
        ["plain", ""],
        ["'\r=HYPERLINK()", "7"],
    ]
