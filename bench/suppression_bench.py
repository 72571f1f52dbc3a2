"""Time to suppress and audit the demo's students-by-subgroup tables.

    python bench/suppression_bench.py [--sites 12] [--min-cell-size 10] [--repeat 3]

Loads the demo network (students at its first 16 schools) into a fresh SQLite database in a
temporary folder, reads each outcome × subgroup table as a network viewer sees it, and times
`suppress` (primary and complementary suppression, LP checks included) and the audit of every
hidden figure (`Suppression.ranges`), best of --repeat. Prints figures; asserts nothing.
"""

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--min-cell-size", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ["MELIOR_VAR_DIR"] = tempfile.mkdtemp(prefix="melior-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from melior.analysis.suppression import possible_values, suppress
    from melior.demo.generator import load_demo
    from melior.governance import selectors, services
    from melior.governance.models import SUBGROUPS, StudentOutcome
    from melior.networks.services import grant_role

    call_command("migrate", verbosity=0)
    network = load_demo(sites=args.sites).network
    services.update_privacy(network=network, min_cell_size=args.min_cell_size, retention_days=1095)
    viewer = get_user_model().objects.create_user("bench-viewer")
    grant_role(user=viewer, role="viewer", network=network)
    print(f"Suppression bench — {args.sites} schools, minimum cell size {args.min_cell_size}")
    outcomes = StudentOutcome.objects.values_list("kind", "name", "purpose").distinct()
    for kind, name, purpose_id in outcomes:
        purpose = network.purposes.get(pk=purpose_id)
        for by in SUBGROUPS:
            counts, _means, _s = selectors.aggregate(
                viewer, network, kind=kind, name=name, by=by, purpose=purpose
            )
            best_suppress = best_audit = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                s = suppress(counts, args.min_cell_size)
                middle = time.perf_counter()
                ranges = s.ranges
                end = time.perf_counter()
                best_suppress = min(best_suppress, middle - start)
                best_audit = min(best_audit, end - middle)
            narrowest = min((possible_values(*r) for r in ranges.values()), default=None)
            print(
                f"  {name} by {by}: {counts.shape[0]} × {counts.shape[1]}, "
                f"{int(counts.to_numpy().sum()):,} students, {len(ranges)} hidden; "
                f"suppress {best_suppress * 1000:.0f} ms, audit {best_audit * 1000:.0f} ms; "
                f"narrowest hidden range {narrowest} values"
            )


if __name__ == "__main__":
    main()
