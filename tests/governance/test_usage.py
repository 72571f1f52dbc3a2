"""EdTech usage from vendors' CSV exports, turned into weekly figures — active share, minutes,
sessions and completion — for each school and each class; the import and usage pages."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from melior.governance import services
from melior.governance.models import AccessLog, Enrollment, Section, UsageRecord
from melior.governance.usage import usage_by_class, usage_to_measure
from melior.governance.usage_import import import_usage
from melior.measures.models import Observation
from melior.measures.services import create_measure

TODAY = datetime.date(2025, 10, 20)
WEEK = datetime.date(2025, 10, 6)


@pytest.fixture
def pilot(world):
    """Twelve students in one class at Lincoln High; eleven consented to the opt-in pilot."""
    purpose = services.add_purpose(network=world.network, name="App pilot", opt_in=True)
    section = Section.objects.create(
        site=world.school, sourced_id="c1", title="Algebra I - P3", school_year=2025
    )
    for i in range(12):
        s = services.register_student(district=world.district, student_id=f"LHS-{i}")
        Enrollment.objects.create(student=s, site=world.school, grade_level="09", school_year=2025)
        section.students.add(s)
        if i < 11:
            services.record_consent(
                student=s,
                purpose=purpose,
                status="granted",
                given_by="guardian",
                date=datetime.date(2025, 9, 1),
                source="Paper form",
            )
    return purpose


def usage_csv(rows):
    return ("student_id,school,date,minutes,sessions,completions\n" + "".join(rows)).encode()


# ten consenting students use the app in the week of 6 October; six of them complete something;
# LHS-11 (no consent) uses it too and must not count
WEEK_ROWS = [
    f"LHS-{i},lincoln-high,2025-10-0{6 + i % 3},{10 * (i + 1)},{1 + i % 2},{int(i < 6)}\n"
    for i in range(10)
] + ["LHS-11,lincoln-high,2025-10-07,50,1,1\n"]


def test_a_vendor_export_is_imported_once_for_consenting_students(world, pilot):
    data = usage_csv(WEEK_ROWS)
    checked = import_usage(
        network=world.network,
        purpose=pilot,
        product="Math app",
        data=data,
        dry_run=True,
        today=TODAY,
    )
    assert (checked.rows, checked.added, checked.ignored_without_consent) == (11, 10, 1)
    assert not UsageRecord.objects.exists()
    report = import_usage(
        network=world.network, purpose=pilot, product="Math app", data=data, today=TODAY
    )
    assert report.added == 10 and UsageRecord.objects.count() == 10
    again = import_usage(
        network=world.network, purpose=pilot, product="Math app", data=data, today=TODAY
    )
    assert (again.added, again.changed, again.unchanged) == (0, 0, 10)
    corrected = usage_csv([WEEK_ROWS[0].replace(",10,", ",15,")])
    fixed = import_usage(
        network=world.network, purpose=pilot, product="Math app", data=corrected, today=TODAY
    )
    assert fixed.changed == 1 and UsageRecord.objects.get(minutes=15)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (
            b"student_id,school,date\nLHS-0,lincoln-high,2025-10-06\n",
            "The file has no “minutes” column",
        ),
        (usage_csv(["LHS-0,nowhere,2025-10-06,10,1,0\n"]), "Row 2, school: no school “nowhere”"),
        (usage_csv(["LHS-0,lincoln-high,06/10/2025,10,1,0\n"]), "Row 2, date: “06/10/2025”"),
        (usage_csv(["LHS-0,lincoln-high,2025-12-01,10,1,0\n"]), "Row 2, date: 2025-12-01 is in"),
        (usage_csv(["LHS-0,lincoln-high,2025-10-06,ten,1,0\n"]), "Row 2, minutes: “ten” is not"),
        (usage_csv(["LHS-0,lincoln-high,2025-10-06,-5,1,0\n"]), "Row 2, minutes: -5 is negative"),
        (usage_csv(["LHS-99,lincoln-high,2025-10-06,5,1,0\n"]), "Row 2, student_id: no student"),
        (usage_csv(WEEK_ROWS[:1] * 2), "Row 3, student_id: a second row for “LHS-0”"),
        ("student_id,school,date,minutes\n".encode("utf-16"), "a header but no rows"),
    ],
)
def test_bad_usage_files_name_the_row_and_column_and_write_nothing(world, pilot, data, message):
    with pytest.raises(ValidationError) as refused:
        import_usage(
            network=world.network, purpose=pilot, product="Math app", data=data, today=TODAY
        )
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not UsageRecord.objects.exists()


def test_each_statistic_becomes_its_own_weekly_measure(world, pilot):
    # 6 of the 10 users complete something: at a minimum cell size of 5 every count is shown
    services.update_privacy(network=world.network, min_cell_size=5, retention_days=3650)
    import_usage(
        network=world.network,
        purpose=pilot,
        product="Math app",
        data=usage_csv(WEEK_ROWS),
        today=TODAY,
    )

    def measure(slug, value_type):
        return create_measure(
            network=world.network,
            name=slug,
            slug=slug,
            kind="process",
            value_type=value_type,
            frequency="weekly",
        )

    expected = {
        "active": ("proportion", (10, 11)),  # 10 of the 11 counted (consenting) students
        "completion": ("proportion", (6, 10)),  # 6 of the 10 who used it
        "minutes": ("continuous", 55.0),  # mean of 10, 20, … 100
        "sessions": ("continuous", 1.5),
    }
    for statistic, (value_type, answer) in expected.items():
        goal = measure(statistic, value_type)
        written = usage_to_measure(
            network=world.network,
            product="Math app",
            purpose=pilot,
            measure=goal,
            statistic=statistic,
            today=TODAY,
        )
        week = Observation.objects.get(measure=goal, period_start=WEEK)
        got = (week.numerator, week.denominator) if value_type == "proportion" else week.value
        assert written == 1 and got == answer, statistic
    with pytest.raises(ValidationError, match="needs a proportion measure"):
        usage_to_measure(
            network=world.network,
            product="Math app",
            purpose=pilot,
            measure=world.network.measures.get(slug="minutes"),
            statistic="completion",
        )


def test_the_worker_repeats_an_aggregation_set_up_once_on_the_command_line(world, pilot):
    from typer.testing import CliRunner

    from melior.cli import app
    from melior.ops import tasks

    import_usage(
        network=world.network, purpose=pilot, product="Math app", data=usage_csv(WEEK_ROWS),
        today=TODAY,
    )  # fmt: skip
    goal = create_measure(
        network=world.network, name="Active", slug="active", kind="process",
        value_type="proportion", frequency="weekly",
    )  # fmt: skip
    first = CliRunner().invoke(app, ["usage", "aggregate", "--network", world.network.slug,
                                     "--product", "Math app", "--purpose", pilot.name,
                                     "--measure", "active"])  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "The worker repeats this daily." in first.output
    Observation.objects.filter(measure=goal).delete()  # as if new usage had come in since
    tasks.aggregate_usage()
    week = Observation.objects.get(measure=goal, period_start=WEEK)
    assert (week.numerator, week.denominator) == (10, 11)


def test_usage_by_class_counts_only_consenting_students(world, pilot):
    import_usage(
        network=world.network,
        purpose=pilot,
        product="Math app",
        data=usage_csv(WEEK_ROWS),
        today=TODAY,
    )
    last_year = Section.objects.create(
        site=world.school, sourced_id="c0", title="Grade 8 math", school_year=2024
    )
    last_year.students.add(*Section.objects.get(sourced_id="c1").students.all())
    # this year's classes only: last year's class would show the same usage again
    (entry,) = usage_by_class(site=world.school, product="Math app", purpose=pilot, today=TODAY)
    assert entry["students"] == 11
    week = next(w for w in entry["weeks"] if w["week"] == WEEK)
    assert (week["active"], week["enrolled"], week["completers"]) == (10, 11, 6)
    assert week["minutes"] == 55.0
    quiet = next(w for w in entry["weeks"] if w["week"] == WEEK + datetime.timedelta(weeks=1))
    assert quiet["active"] == 0


def test_the_usage_page_hides_small_classes(client, world, pilot):
    import_usage(
        network=world.network,
        purpose=pilot,
        product="Math app",
        data=usage_csv(WEEK_ROWS),
        today=datetime.date.today(),
    )
    client.force_login(world.users["school:team_member"])
    page = client.get(f"/n/{world.network.slug}/students/usage/?school=lincoln-high")
    text = page.content.decode()
    assert page.status_code == 200 and "Algebra I - P3" in text
    services.update_privacy(network=world.network, min_cell_size=12, retention_days=3650)
    text = client.get(f"/n/{world.network.slug}/students/usage/").content.decode()
    assert "fewer than 12 students" in text and "% active" not in text


def roster_zip(school="Lincoln High"):
    files = {
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        f"d1,,,Cedar District,district,,\no1,,,{school},school,,d1\n",
        "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,"
        "endDate,parentSourcedId,schoolYear\ny1,,,2025-26,schoolYear,2025-08-18,2026-06-12,,2026\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
        "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
        "grades,password\nu1,,,true,o1,student,ana,,Ana,R,,LHS-500,,,,,09,\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    buffer.name = "roster.zip"
    return buffer


def test_a_steward_checks_then_imports_a_roster_on_the_page(client, world):
    url = f"/n/{world.network.slug}/students/import/"
    client.force_login(world.users["school:data_steward"])
    checked = client.post(url, {"kind": "roster", "file": roster_zip()})
    assert checked.status_code == 200 and "1 students for 2025–2026" in checked.content.decode()
    assert not Enrollment.objects.exists()
    token = checked.context["upload"]
    done = client.post(url, {"kind": "roster", "upload": token, "commit": "1"})
    assert done.status_code == 200 and "Imported" in done.content.decode()
    assert Enrollment.objects.get().school_year == 2025
    assert AccessLog.objects.filter(action="import", records=1).exists()
    # the same token cannot be used twice, and a school's steward cannot add a school
    again = client.post(url, {"kind": "roster", "upload": token, "commit": "1"})
    assert again.status_code == 400 and "expired" in again.content.decode()
    refused = client.post(url, {"kind": "roster", "file": roster_zip("Hilltop High")})
    assert refused.status_code == 400
    assert "only the network&#x27;s data steward adds schools" in refused.content.decode()


def test_a_school_steward_imports_outcomes_for_their_school_only(
    client, world, pilot, django_capture_on_commit_callbacks
):
    url = f"/n/{world.network.slug}/students/import/"
    client.force_login(world.users["school:data_steward"])
    data = io.BytesIO(
        b"student_id,school,name,value,date\nLHS-0,parks-high,Algebra I,250,2025-05-15\n"
    )
    data.name = "outcomes.csv"
    with django_capture_on_commit_callbacks(execute=True):  # the worker checks the file
        queued = client.post(url, {"kind": "outcomes", "purpose": pilot.pk, "file": data})
    page = client.get(queued["Location"])
    shown = page.content.decode()  # the problems table: row, column, value, problem
    assert '<td class="num">2</td><td>school</td><td><code>parks-high</code></td>' in shown
    assert "you are not the data steward for “parks-high”" in shown
    client.force_login(world.users["school:team_member"])
    assert client.get(url).status_code == 403


def school_with_classes(world, sizes, *, unclassed=0, used=True):
    """Students at Lincoln in classes of the given sizes (and `unclassed` in none), all counted
    under a monitoring purpose, each using the app once in WEEK if `used`."""
    purpose = services.add_purpose(network=world.network, name="Practice monitoring")
    number = 0
    for index, size in enumerate([*sizes, unclassed]):
        section = None
        if index < len(sizes):
            section = Section.objects.create(
                site=world.school, sourced_id=f"k{index}", title=f"Class {index}", school_year=2025
            )
        for _ in range(size):
            number += 1
            student = services.register_student(district=world.district, student_id=f"S{number}")
            Enrollment.objects.create(
                student=student, site=world.school, grade_level="09", school_year=2025
            )
            if section is not None:
                section.students.add(student)
            if used:
                UsageRecord.objects.create(
                    student=student,
                    site=world.school,
                    purpose=purpose,
                    product="Math app",
                    date=WEEK,
                    minutes=20,
                    sessions=1,
                )
    return purpose


def active_share(world, purpose):
    measure = world.network.measures.filter(slug="active").first() or create_measure(
        network=world.network,
        name="Active",
        slug="active",
        kind="process",
        value_type="proportion",
        frequency="weekly",
    )
    written = usage_to_measure(
        network=world.network, product="Math app", purpose=purpose, measure=measure, today=TODAY
    )
    week = Observation.objects.filter(measure=measure, period_start=WEEK).first()
    return written, (week.numerator, week.denominator) if week else None


def test_a_school_figure_never_gives_away_a_hidden_class(world):
    # classes of 12, 11 and 3: the usage page hides the class of 3, so the school's 26 of 26
    # would give it away as 26 − 12 − 11 = 3 users; the week is not written
    purpose = school_with_classes(world, [12, 11, 3])
    (entry,) = [
        c
        for c in usage_by_class(site=world.school, product="Math app", purpose=purpose, today=TODAY)
        if c["students"] == 3
    ]
    assert entry["students"] < 10
    assert active_share(world, purpose) == (0, None)


def test_a_school_figure_is_written_when_the_hidden_class_is_lost_in_the_rest(world):
    # the same classes and 30 students in none: the class of 3 could hold 0 to 33 of the users
    purpose = school_with_classes(world, [12, 11, 3], unclassed=30)
    assert active_share(world, purpose) == (1, (56, 56))


def test_a_school_figure_withdraws_a_week_that_a_new_class_would_give_away(world):
    purpose = school_with_classes(world, [12, 14])
    assert active_share(world, purpose) == (1, (26, 26))
    # the roster now splits a class of 3 off the class of 14, which keeps 11 and stays shown
    small = Section.objects.create(
        site=world.school, sourced_id="k9", title="Small group", school_year=2025
    )
    moved = list(Section.objects.get(sourced_id="k1").students.all()[:3])
    Section.objects.get(sourced_id="k1").students.remove(*moved)
    small.students.add(*moved)
    assert active_share(world, purpose) == (1, None)


def test_a_school_with_fewer_users_than_the_minimum_writes_nothing(world):
    purpose = school_with_classes(world, [], unclassed=8)
    assert active_share(world, purpose) == (0, None)
