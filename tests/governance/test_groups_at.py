"""A student's subgroup on a date follows their attribute history."""

import datetime

import pandas as pd
import pytest

from melior.governance.models import StudentAttribute
from melior.governance.selectors import groups_at
from melior.governance.services import register_student


@pytest.mark.django_db
def test_a_student_who_exits_english_learner_status_is_counted_by_the_date(world):
    leaver = register_student(district=world.district, student_id="EL-1")
    leaver.english_learner_status = "No"  # the roster's value: the latest
    leaver.save()
    StudentAttribute.objects.create(
        student=leaver, attribute="english_learner_status", value="Yes",
        as_of=datetime.date(2024, 8, 20),
    )  # fmt: skip
    StudentAttribute.objects.create(
        student=leaver, attribute="english_learner_status", value="No",
        as_of=datetime.date(2025, 1, 15),
    )  # fmt: skip
    never = register_student(district=world.district, student_id="EL-2")
    dates = pd.to_datetime(["2024-06-01", "2024-09-01", "2025-01-15", "2025-03-01", "2025-03-01"])
    students = pd.Series([leaver.pk, leaver.pk, leaver.pk, leaver.pk, never.pk])
    codes = groups_at("english_learner_status", students, pd.Series(dates))
    # before any history the roster's field stands; a date on the exit counts as exited
    assert codes.tolist() == ["No", "Yes", "No", "No", ""]
