"""What the student-data imports share: matching each row's school to the network's sites
(refusing schools the importing steward does not steward) and each district student id to a
student on the network's roster, without storing the id (its keyed hash is looked up)."""

import numpy as np
import pandas as pd
from django.db import connection

from melior.bulk import select_in
from melior.core.imports import Column, Problems

from .models import Student
from .selectors import network_student_ids
from .services import pseudonym_of

STUDENT_ID = Column(
    "student_id",
    aliases=("student", "district_student_id", "student_number", "sis_id"),
    help="the district's student id (hashed on the way in, never stored)",
)
SCHOOL = Column("school", aliases=("site", "school_slug"), help="the school's slug or name")


def match_sites(frame: pd.DataFrame, problems: Problems, network, allowed_site_ids) -> pd.Series:
    """Each row's site (None where the school is unknown or not the steward's), problems added."""
    sites = {s.slug: s for s in network.sites.select_related("parent")}
    sites.update({s.name.lower(): s for s in list(sites.values())})
    school = frame["school"]
    site_of = school.map({v: sites.get(v) or sites.get(v.lower()) for v in school.unique()})
    problems.flag(frame, site_of.isna(), "school", "no school “{value}” in this network.")
    if allowed_site_ids is not None:  # a school's data steward imports for their schools only
        first = ~school.duplicated().to_numpy()  # each school's text looked at once
        outside_of = {v: s is not None and s.pk not in allowed_site_ids
                      for v, s in zip(school[first], site_of[first], strict=True)}  # fmt: skip
        outside = school.map(outside_of).to_numpy(dtype=bool)
        problems.flag(frame, outside, "school", "you are not the data steward for “{value}”.")
        site_of = site_of.where(~outside, None)
    problems.flag(frame, frame["student_id"] == "", "student_id", "no student id.")
    return site_of


def match_students(frame: pd.DataFrame, problems: Problems, network, site_of) -> pd.Series:
    """Each row's student (its primary key; NaN where unknown), for the rows whose school is
    known; an id not on the roster of the school's district is a problem of its row."""
    usable = site_of.notna() & (frame["student_id"] != "")
    schools = frame.loc[usable, "school"]
    first = ~schools.duplicated().to_numpy()  # each school's text looked at once
    pairs = zip(schools[first], site_of[usable][first], strict=True)
    district_of = {v: (s.parent or s).pk for v, s in pairs}
    district_ids = schools.map(district_of)
    # a student has several rows: hash each district's id once
    codes, pairs = pd.factorize(
        district_ids.astype(str) + ":" + frame.loc[usable, "student_id"], sort=False
    )
    keys = [pseudonym_of(*pair.split(":", 1)) for pair in pairs]
    with connection.cursor() as cursor:
        students = dict(select_in(cursor, Student, ["key", "id"], "key", keys))
    enrolled = network_student_ids(network)
    found = np.array([students.get(k) if students.get(k) in enrolled else None for k in keys])
    student_ids = pd.Series(np.nan, index=frame.index, dtype=object)
    if len(codes):
        student_ids[usable] = found[codes]
    problems.flag(
        frame,
        (usable & student_ids.isna()).to_numpy(dtype=bool),
        "student_id",
        "no student with id “{value}” in the roster of that school's district.",
    )
    return student_ids
