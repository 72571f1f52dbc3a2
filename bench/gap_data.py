"""Monthly attendance at every school of a bench network, for the gap views: `per_site` students
a school (a share of English learners that varies from school to school, so some schools' EL
groups are small and suppressed), ten months of the last school year, one record a month, and
one English learner in ten leaving EL status in January. At every third school the English
learners' attendance rises from February on (a gap that narrows by signal); elsewhere it is
noise. Written in bulk (melior.bulk), for benches only."""

import datetime

import numpy as np
import pandas as pd

MONTHS = [(9, 0), (10, 0), (11, 0), (12, 0), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)]


def monthly_attendance(network, per_site: int = 100, seed: int = 20) -> int:
    """Adds the students and records; returns the number of attendance records written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from melior.bulk import insert_rows
    from melior.core.calendar import last_finished_school_year
    from melior.governance.models import (
        Enrollment,
        Purpose,
        Student,
        StudentAttribute,
        StudentOutcome,
    )

    rng = np.random.default_rng(seed)
    year = last_finished_school_year(datetime.date.today())
    purpose, _ = Purpose.objects.get_or_create(network=network, name="Equity monitoring")
    days = [datetime.date(year + later, month, 15).isoformat() for month, later in MONTHS]
    written = 0
    sites = list(network.sites.all())
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    for start in range(0, len(sites), 100):
        with transaction.atomic():
            students, outcomes, attributes, learner = [], [], [], {}
            for site in sites[start : start + 100]:
                share = rng.uniform(0.02, 0.3)
                el = rng.random(per_site) < share
                learner[site.pk] = el
                students += [
                    Student(
                        key=f"gapbench-{site.pk}-{k}",
                        district=site.parent or site,
                        english_learner_status="Yes" if e else "No",
                    )
                    for k, e in enumerate(el)
                ]
            Student.objects.bulk_create(students, batch_size=5000)
            keys = [s.key for s in students]
            ids = dict(Student.objects.filter(key__in=keys).values_list("key", "pk"))
            enrolments = []
            for site in sites[start : start + 100]:
                narrows = site.pk % 3 == 0
                for k in range(per_site):
                    pk = ids[f"gapbench-{site.pk}-{k}"]
                    enrolments.append((pk, site.pk))
                    is_el = bool(learner[site.pk][k])
                    base = 0.93 - (0.08 if is_el else 0)
                    leaves = is_el and k % 10 == 0
                    if leaves:
                        attributes.append((pk, "english_learner_status", "No", days[4], stamp))
                    for m, day in enumerate(days):
                        lift = 0.06 if (narrows and is_el and m >= 5) else 0
                        value = float(np.clip(rng.normal(base + lift, 0.03), 0.3, 1))
                        outcomes.append((pk, site.pk, purpose.pk, "attendance", day, value))
            Enrollment.objects.bulk_create(
                [
                    Enrollment(student_id=pk, site_id=site, grade_level="09", school_year=year)
                    for pk, site in enrolments
                ],
                batch_size=5000,
            )
            frame = pd.DataFrame(
                outcomes, columns=["student_id", "site_id", "purpose_id", "kind", "date", "value"]
            )
            frame.insert(4, "name", "Attendance rate")
            insert_rows(StudentOutcome, frame)
            insert_rows(
                StudentAttribute,
                pd.DataFrame(
                    attributes, columns=["student_id", "attribute", "value", "as_of", "created_at"]
                ),
            )
            written += len(frame)
    return written
