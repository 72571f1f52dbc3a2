"""Student attributes by file, with their history (issue #20), on the import pipeline
(melior.core.imports): one row per student, attribute and date — student_id (the district's id),
school (slug or name: finds the district and checks the steward), attribute (the CEDS element's
name, e.g. "English Learner Status", or Melior's key, e.g. english_learner_status), value (a
code of the element's option set or its label, e.g. "Two or more races"; Yes/No in any case)
and as_of (YYYY-MM-DD, not in the future): the value holds from that date on.

Checked whole — every problem named by row and column — and saved all or nothing; a corrected
value for a date already recorded replaces it, so importing the same file again changes nothing.
Afterwards each student's own field (the one pages read) holds the value with the latest
`as_of` of their whole history. A school's or district's data steward imports only for students
enrolled at the schools they are the steward for; any other id is refused in the same words
whether or not it exists."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from melior.bulk import insert_rows, select_in
from melior.core.imports import Column, Importer, Problems, Report, normal, run

from .import_rows import SCHOOL, STUDENT_ID, match_sites, match_students
from .models import CEDS_ELEMENTS, SUBGROUPS, Enrollment, Student, StudentAttribute

COLUMNS = (
    STUDENT_ID,
    SCHOOL,
    Column(
        "attribute",
        aliases=("element", "ceds_element", "subgroup"),
        help="the CEDS element, e.g. English Learner Status",
    ),
    Column("value", aliases=("code",), help="a code of the element's option set"),
    Column("as_of", aliases=("date", "as_of_date", "effective_date", "from"), help="YYYY-MM-DD"),
)
KEYS = ["student", "attribute", "as_of"]
NOT_HERE = "no student with id “{value}” is enrolled at a school you are the data steward for."
SLICE = 10_000  # students updated per query (SQLite caps the values in one query)

# what a file may call each attribute: the CEDS element's name, Melior's key or its label
ATTRIBUTE_OF = {
    normal(text): key
    for key, (element, _) in CEDS_ELEMENTS.items()
    for text in (key, element, SUBGROUPS[key])
}
# each attribute's values: the CEDS code or its label, compared as headers are (any case)
CODE_OF = {
    (key, normal(text)): code
    for key, (_, options) in CEDS_ELEMENTS.items()
    for code, label in options
    for text in (code, label)
}


@dataclass
class AttributeReport(Report):
    students_changed: int = 0  # students whose own field (the latest value) changes


def _attributes(frame: pd.DataFrame, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """Each row's attribute key and value code (None where the cell is not one), problems
    added; each distinct text is looked at once."""
    given = frame["attribute"]
    keys = given.map({text: ATTRIBUTE_OF.get(normal(text)) for text in given.unique()})
    names = ", ".join(element for element, _ in CEDS_ELEMENTS.values())
    problems.flag(frame, keys.isna() & (given != "").to_numpy(), "attribute",
                  f"“{{value}}” is not an attribute: {names}.")  # fmt: skip
    problems.flag(frame, given == "", "attribute", f"name the attribute: {names}.")
    pairs = keys.fillna("") + "\x1f" + frame["value"]
    lookup = {}
    for pair in pairs.unique():
        key, text = pair.split("\x1f", 1)
        lookup[pair] = CODE_OF.get((key, normal(text)))
    codes = pairs.map(lookup)
    blank = (frame["value"] == "").to_numpy()
    for key, (element, options) in CEDS_ELEMENTS.items():
        wrong = (keys == key).to_numpy() & codes.isna().to_numpy()
        allowed = ", ".join(code for code, _ in options)
        problems.flag(frame, wrong & ~blank, "value",
                      f"“{{value}}” is not a value of {element}: {allowed}.")  # fmt: skip
        problems.flag(frame, wrong & blank, "value", f"give the value of {element}: {allowed}.")
    return keys, codes


class AttributeImporter(Importer):
    columns = COLUMNS

    def __init__(self, *, network, allowed_site_ids, today):
        self.network, self.allowed_site_ids, self.today = network, allowed_site_ids, today

    def check(self, frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        site_of = match_sites(frame, problems, self.network, self.allowed_site_ids)
        keys, codes = _attributes(frame, problems)
        dates = pd.to_datetime(frame["as_of"], format="%Y-%m-%d", errors="coerce")
        problems.flag(frame, dates.isna(), "as_of", "“{value}” is not a date (YYYY-MM-DD).")
        future = (dates > pd.Timestamp(self.today)).to_numpy()
        problems.flag(frame, future, "as_of", "{value} is in the future.")
        students = self._students(frame, problems, site_of)
        table = pd.DataFrame(
            {
                "student": students,
                "attribute": keys,
                "as_of": dates.dt.strftime("%Y-%m-%d"),
                "value": codes,
                "_row": frame["_row"],
                "given": frame["value"],
            }
        )
        table = table[table.notna().all(axis=1).to_numpy()].astype({"student": "int64"})
        first = table.groupby(KEYS, sort=False)[["value", "_row"]].transform("first")
        clash = (table["value"] != first["value"]).to_numpy()
        for row, given, attribute, as_of, earlier, earlier_row in zip(
            table["_row"][clash], table["given"][clash], table["attribute"][clash],
            table["as_of"][clash], first["value"][clash], first["_row"][clash], strict=True,
        ):  # fmt: skip
            element = CEDS_ELEMENTS[attribute][0]
            message = (f"“{given}” differs from {earlier}, given for the same student's "
                       f"{element} on {as_of} in row {earlier_row}.")  # fmt: skip
            problems.add(row, "value", message, given)
        return table.drop_duplicates(KEYS)[[*KEYS, "value"]]

    def _students(self, frame: pd.DataFrame, problems: Problems, site_of: pd.Series):
        """Each row's student; a school's or district's steward names only students enrolled
        at the schools they steward (any other id: the same words, found elsewhere or not)."""
        if self.allowed_site_ids is None:
            return match_students(frame, problems, self.network, site_of)
        students = match_students(frame, Problems(), self.network, site_of)
        theirs = set(
            Enrollment.objects.filter(site_id__in=self.allowed_site_ids)
            .values_list("student_id", flat=True)
            .distinct()
        )
        usable = (site_of.notna() & (frame["student_id"] != "")).to_numpy()
        outside = usable & ~students.isin(theirs).to_numpy()
        problems.flag(frame, outside, "student_id", NOT_HERE)
        return students.where(~outside, np.nan)

    def compare(self, table: pd.DataFrame) -> AttributeReport:
        ids = sorted(set(table["student"].tolist()))
        with connection.cursor() as cursor:  # raw rows: many model objects would be slow
            existing = select_in(
                cursor, StudentAttribute, ["id", "student_id", "attribute", "as_of", "value"],
                "student_id", ids,
            )  # fmt: skip
            fields = select_in(cursor, Student, ["id", *CEDS_ELEMENTS], "id", ids)
        old = pd.DataFrame(existing, columns=["pk", *KEYS, "old_value"])
        old["as_of"] = old["as_of"].astype(str)
        self.merged = merged = table.merge(old, on=KEYS, how="left")
        self.new = merged["pk"].isna().to_numpy()
        self.changed = ~self.new & (merged["old_value"] != merged["value"]).to_numpy()
        self.latest = _latest_changes(table, old, fields)
        added, changed = int(self.new.sum()), int(self.changed.sum())
        return AttributeReport(
            added=added,
            changed=changed,
            unchanged=len(table) - added - changed,
            students_changed=self.latest["student"].nunique(),
        )

    def write(self, table: pd.DataFrame) -> None:
        rows = self.merged[self.new]
        insert_rows(
            StudentAttribute,
            pd.DataFrame(
                {
                    "student_id": rows["student"].astype("int64"),
                    "attribute": rows["attribute"],
                    "value": rows["value"],
                    "as_of": rows["as_of"],
                    # as the ORM writes it (SQLite stores text)
                    "created_at": connection.ops.adapt_datetimefield_value(timezone.now()),
                }
            ),
        )
        changed = self.merged[self.changed]
        StudentAttribute.objects.bulk_update(
            [
                StudentAttribute(pk=int(pk), value=value)
                for pk, value in zip(changed["pk"], changed["value"], strict=True)
            ],
            ["value"],
            batch_size=5_000,
        )
        for (attribute, value), group in self.latest.groupby(["attribute", "value"]):
            students = group["student"].tolist()
            for start in range(0, len(students), SLICE):
                Student.objects.filter(pk__in=students[start : start + SLICE]).update(
                    **{attribute: value}
                )


def _latest_changes(table: pd.DataFrame, old: pd.DataFrame, fields: list) -> pd.DataFrame:
    """(student, attribute, value) of each student's own field that must change: the value with
    the latest as_of once the file is written (the file's value wins on a date in both)."""
    history = pd.concat([table[[*KEYS, "value"]], old.rename(columns={"old_value": "value"})])
    history = history.drop_duplicates(KEYS, keep="first")  # the file's rows come first
    latest = history.sort_values("as_of").drop_duplicates(["student", "attribute"], keep="last")
    current = pd.DataFrame(fields, columns=["student", *CEDS_ELEMENTS]).melt(
        id_vars="student", var_name="attribute", value_name="current"
    )
    latest = latest.merge(current, on=["student", "attribute"], how="left")
    return latest.loc[latest["value"] != latest["current"], ["student", "attribute", "value"]]


def import_attributes(
    *,
    network,
    data: bytes,
    allowed_site_ids: set[int] | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> AttributeReport:
    """Import a file of student attributes (see the module's docstring). `allowed_site_ids`:
    the schools the importing steward stewards (None: the whole network, at the command line
    or for the network's data steward). progress(percent, stage) is told as each stage starts."""
    importer = AttributeImporter(
        network=network,
        allowed_site_ids=allowed_site_ids,
        today=today or timezone.localdate(),
    )
    return run(importer, data, name="attributes.csv", dry_run=dry_run, progress=progress)
