"""The import pipeline every importer runs on (melior.core.imports): files in the encodings and
with the separators people's spreadsheets write, header aliases and mappings, every problem at
once with the value in full, dry runs that write nothing, and all or nothing at any size."""

import pytest

from melior.core.imports import Column, ImportRefused, Problem, Problems, map_columns, read
from melior.core.imports.problems import MAX_KEPT
from melior.problems.models import CauseTally
from melior.problems.services import add_category, analysis_for, import_tallies, save_cause

ROWS = [["Lincoln High", "Café", "3"], ["Parks High", "Straße", "4"]]


def as_text(separator: str) -> str:
    lines = [["school", "name", "count"], *ROWS]
    return "\r\n".join(separator.join(line) for line in lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),  # Excel's "CSV UTF-8" in a comma-decimal locale
        ("utf-16", "\t"),  # Excel's "Unicode text": a byte-order mark, tabs
        ("utf-16-le", ","),  # UTF-16 without a byte-order mark
        ("utf-16-be", ";"),
        ("cp1252", ";"),  # an older "CSV (Windows)" file
        ("cp1252", ","),
    ],
)
def test_encodings_and_separators_are_detected(encoding, separator):
    table = read(as_text(separator).encode(encoding), name="file.csv")
    assert table.header == ["school", "name", "count"]
    assert table.frame[[0, 1, 2]].values.tolist() == ROWS
    assert table.frame["_row"].tolist() == [2, 3]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    table = read(b"a,b\n1,2\n\n , \n3,4\n", name="x.csv")
    assert table.frame["_row"].tolist() == [2, 5]


def test_a_row_wider_than_the_header_and_bytes_no_encoding_reads_are_refused():
    with pytest.raises(ImportRefused) as refused:
        read(b"a,b\n1,2\n3,4,5\n", name="x.csv")
    assert refused.value.messages == ["Row 3: 3 cells but only 2 headers."]
    with pytest.raises(ImportRefused, match="is not text in UTF-8, UTF-16 or Windows-1252"):
        read(b"a,b\n\x81,\x8d\n", name="x.csv")


COLUMNS = (
    Column("student_id", aliases=("student", "sis_id")),
    Column("school"),
    Column("minutes", required=False),
)


def test_columns_match_by_alias_or_mapping_and_every_header_problem_is_named():
    table = read(b"Student ID,Site,Extra\nS-1,lincoln,x\n", name="x.csv")
    frame = map_columns(table, COLUMNS, {"school": "Site"})
    assert list(frame.columns) == ["student_id", "school", "_row"]
    assert frame.iloc[0].tolist() == ["S-1", "lincoln", 2]
    with pytest.raises(ImportRefused) as refused:
        map_columns(table, COLUMNS, {"minutes": "Time", "colour": "Extra"})
    assert refused.value.messages == [
        "Unknown field “colour” in the column mapping.",
        "Row 1, school: The file has no “school” column (it has Student ID, Site, Extra).",
        "Row 1, Time: No column “Time” in the file (given for minutes).",
    ]


def test_problems_keep_values_whole_sorted_by_row_and_count_past_the_cap():
    problems = Problems()
    long_value = "Grade4 " * 100
    problems.add(7, "grade", f"“{long_value}” is not a grade.", long_value)
    problems.add(3, "date", "“soon” is not a date.", "soon")
    refused = problems.refused()
    assert [p.row for p in refused.problems] == [3, 7]
    assert refused.problems[1].value == long_value and long_value in refused.messages[1]
    many = Problems()
    for row in range(2, 2 * MAX_KEPT + 2):
        many.add(row, "count", "not a number", "x")
    refused = many.refused()
    assert (refused.total, len(refused.problems), refused.refused_rows) == (
        2 * MAX_KEPT, MAX_KEPT, 2 * MAX_KEPT,
    )  # fmt: skip
    assert refused.messages[-1] == f"… and {MAX_KEPT:,} more problems."
    assert str(Problem(4, "sex", "bad", file="users.csv")) == "users.csv row 4, sex: bad"


def test_a_failure_in_row_9999_of_10000_writes_nothing(world):
    analysis = analysis_for(world.network)
    category = analysis.categories.first() or add_category(analysis=analysis, name="Students")
    save_cause(analysis=analysis, category=category, name="Chronic absence")
    lines = ["cause,count"] + ["Chronic absence,1"] * 10_000
    lines[9_998] = "Chronic absence,lots"  # spreadsheet row 9,999 (the header is row 1)
    with pytest.raises(ImportRefused) as refused:
        import_tallies(analysis=analysis, data="\n".join(lines).encode())
    assert refused.value.messages == ["Row 9999, count: “lots” is not a whole number ≥ 0."]
    assert not CauseTally.objects.exists()
    lines[9_998] = "Chronic absence,1"
    assert import_tallies(analysis=analysis, data="\n".join(lines).encode()) == 10_000
