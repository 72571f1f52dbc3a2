"""Importing a 1,000,000-row student assessment file (or a 200,000-row attribute file).

    python bench/student_import_bench.py [--rows 1000000] [--database-url URL]
    python bench/student_import_bench.py --attributes [--rows 200000]

Creates a network with 12 schools and 250,000 rostered students (their ids hashed, as an import
would, and enrolled at their school), writes a generated CSV of --rows assessment results (four
a student), then times
`import_outcomes`: a dry run, the import, and the same file again (nothing changes). Prints the
times and the peak memory of the process; asserts nothing.

With --attributes the file is English-learner histories instead, two rows a student (Yes from
the start of the year; Yes or, for one in three, No from an exit date in January), timed the
same way with `import_attributes`.
"""

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--attributes", action="store_true", help="an attribute file instead")
    args = parser.parse_args()
    if args.attributes and args.rows == 1_000_000:
        args.rows = 200_000
    folder = tempfile.mkdtemp(prefix="melior-bench-")
    os.environ["MELIOR_VAR_DIR"] = folder
    if args.database_url:
        os.environ["MELIOR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from melior.governance import services
    from melior.governance.attributes_import import import_attributes
    from melior.governance.models import Enrollment, Student
    from melior.governance.outcomes_import import import_outcomes
    from melior.networks.services import add_site, create_network, create_organization

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    district = create_organization(name="Bench District", kind="district")
    network = create_network(name="Bench Network")
    schools = [create_organization(name=f"School {i}", parent=district) for i in range(12)]
    for school in schools:
        add_site(network=network, organization=school)
    purpose = services.add_purpose(network=network, name="Assessment")
    per_student = 2 if args.attributes else 4
    n_students = args.rows // per_student
    started = time.perf_counter()
    students = Student.objects.bulk_create(
        [
            Student(key=services.pseudonym(district, f"S{i}"), district=district)
            for i in range(n_students)
        ],
        batch_size=10_000,
    )
    # enrolled at the school their results name: imports name only the network's students
    Enrollment.objects.bulk_create(
        [
            Enrollment(student=s, site=schools[i % 12], grade_level="09", school_year=2025)
            for i, s in enumerate(students)
        ],
        batch_size=10_000,
    )
    roster_time = time.perf_counter() - started
    rng = np.random.default_rng(1)
    path = os.path.join(folder, "assessments.csv")
    ids = np.repeat(np.arange(n_students), per_student)
    if args.attributes:
        _attribute_file(path, n_students, rng)
    else:
        _assessment_file(path, ids, n_students, rng)
    data = Path(path).read_bytes()
    print(
        f"Student import bench — {connection.vendor}, {len(ids):,} rows, {n_students:,} "
        f"students ({len(data) / 1e6:.0f} MB); roster of hashed keys built in {roster_time:.1f} s"
    )
    for label, dry in (
        ("dry run (check only)", True),
        ("import", False),
        ("same file again", False),
    ):
        started = time.perf_counter()
        if args.attributes:
            report = import_attributes(network=network, data=data, dry_run=dry)
        else:
            report = import_outcomes(network=network, purpose=purpose, data=data, dry_run=dry)
        print(
            f"  {label:22s} {time.perf_counter() - started:6.1f} s  "
            f"(added {report.added:,}, changed {report.changed:,}, unchanged {report.unchanged:,})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process: {peak:,.0f} MB")


def _assessment_file(path, ids, n_students, rng) -> None:
    import numpy as np

    with open(path, "w") as out:
        out.write("student_id,school,name,value,date\n")
        scores = rng.normal(250, 25, len(ids)).round()
        tests = np.tile(["Fall", "Winter", "Spring", "Summer"], n_students)
        for sid, test, score in zip(ids, tests, scores, strict=True):
            out.write(f"S{sid},school-{sid % 12},Math {test},{score:.0f},2026-05-15\n")


def _attribute_file(path, n_students, rng) -> None:
    exits = rng.random(n_students) < 1 / 3
    with open(path, "w") as out:
        out.write("student_id,school,attribute,value,as_of\n")
        for sid, left in enumerate(exits.tolist()):
            school = f"school-{sid % 12}"
            out.write(f"S{sid},{school},English Learner Status,Yes,2025-08-25\n")
            later = "No" if left else "Yes"
            out.write(f"S{sid},{school},English Learner Status,{later},2026-01-12\n")


if __name__ == "__main__":
    main()
