"""The suppression auditor on the demo network, as a viewer with a spreadsheet would attack it:
every figure the students-by-subgroup page, its CSV and the API give one user for an outcome —
under every subgroup at once, since they are all cut from the same students — goes into one
linear program, and no suppressed figure may keep fewer possible values than "fewer than N"."""

import csv
import io
import itertools
import re
from html.parser import HTMLParser

import pytest

from melior.analysis.suppression import feasible_ranges, possible_values
from melior.demo.generator import load_demo
from melior.governance import services
from melior.governance.models import SUBGROUPS, StudentOutcome
from melior.governance.selectors import LABELS
from melior.networks.models import Network
from melior.networks.services import grant_role


class TableReader(HTMLParser):
    """The subgroup table's rows as lists of cell texts (header, body and footer)."""

    def __init__(self):
        super().__init__()
        self.rows, self.inside, self.cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "subgroup-table" in dict(attrs).get("class", ""):
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def count_in(text):
    """The student count a page cell shows: "12" for a total, "0.91 (12)" for a cell, "—" for 0;
    None when suppressed."""
    if text == "suppressed":
        return None
    if text == "—":
        return 0
    match = re.search(r"\((\d+)\)$", text) or re.fullmatch(r"(\d+)", text)
    assert match, f"unexpected cell {text!r}"
    return int(match.group(1))


def views(client, network, outcome, purpose, sites):
    """Everything published for one outcome under each subgroup: (figures, withheld, labels),
    labels being the text of every table cell, CSV row and API cell."""
    published, withheld, texts = [], {}, []
    combos = {}  # the finest cells the attacker solves for: school × every subgroup's value
    groups = {by: [*LABELS[by].values(), "Not recorded"] for by in SUBGROUPS}
    for site in sites:
        for values in itertools.product(*groups.values()):
            combos[site, values] = dict(zip(groups, values, strict=True))

    def cells(site=None, by=None, group=None, among=None):
        return [
            key
            for key, attrs in combos.items()
            if (site is None or key[0] == site)
            and (among is None or key[0] in among)
            and (by is None or attrs[by] == group)
        ]

    for by in SUBGROUPS:
        query = {"outcome": f"{outcome[0]}|{outcome[1]}|{purpose.pk}", "by": by}
        page = client.get(f"/n/{network.slug}/students/", query)
        assert page.status_code == 200
        html = page.content.decode()
        reader = TableReader()
        reader.feed(html)
        texts += [text for row in reader.rows for text in row]
        header, *body, footer = reader.rows
        columns = header[1:-1]
        reported = []
        for row in body:
            site, *values, total = row
            for column, text in zip(columns, values, strict=True):
                n = count_in(text)
                if n is None:
                    withheld["cell", by, site, column] = cells(site, by, column)
                else:
                    published.append((cells(site, by, column), n))
            if count_in(total) is None:
                withheld["row", by, site] = cells(site)
            else:
                published.append((cells(site), count_in(total)))
                reported.append(site)
        for column, text in zip(columns, footer[1:-1], strict=True):
            n = count_in(text)
            if n is None:
                withheld["column", by, column] = cells(by=by, group=column, among=reported)
            else:
                published.append((cells(by=by, group=column, among=reported), n))
        # a group no school has is left out of the table: it is known to be empty
        for group in groups[by]:
            if group not in columns:
                published.append((cells(by=by, group=group), 0))
        download = client.get(f"/n/{network.slug}/students/", {**query, "export": "csv"})
        texts += download.content.decode().splitlines()
        for line in csv.DictReader(io.StringIO(download.content.decode())):
            if line["students"].isdigit():
                figure = cells(line["school"], by, line["subgroup"])
                published.append((figure, int(line["students"])))
        answer = client.get(
            f"/api/networks/{network.slug}/students/aggregate",
            {"outcome": outcome[1], "purpose": purpose.pk, "by": by},
        ).json()
        texts += [cell["suppressed"] for cell in answer["cells"]]
        for cell in answer["cells"]:
            if cell["students"] is not None:
                published.append((cells(cell["school"], by, cell["subgroup"]), cell["students"]))
    return published, withheld, texts


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo(seed=2026, sites=3)
        yield Network.objects.get()
        # the module's data go with it, so later tests start from an empty database
        from django.core.management import call_command

        call_command("flush", interactive=False)


@pytest.mark.parametrize("min_cell_size", [10, 30])
@pytest.mark.parametrize("who", ["network viewer", "school team member"])
def test_no_suppressed_figure_of_the_demo_can_be_narrowed(
    demo, db, client, django_user_model, min_cell_size, who
):
    network = demo
    services.update_privacy(network=network, min_cell_size=min_cell_size, retention_days=1095)
    user = django_user_model.objects.create_user("attacker", password="pw-melior-1")
    schools = list(network.sites.order_by("name"))
    if who == "network viewer":
        grant_role(user=user, role="viewer", network=network)
        sites = [s.name for s in schools]
    else:
        grant_role(user=user, role="team_member", organization=schools[0])
        sites = [schools[0].name]
    client.force_login(user)
    outcomes = StudentOutcome.objects.values_list("kind", "name", "purpose").distinct()
    assert len(outcomes) == 3  # attendance by year and by month, the Algebra I score
    suppressed = 0
    for kind, name, purpose_id in outcomes:
        purpose = network.purposes.get(pk=purpose_id)
        published, withheld, texts = views(client, network, (kind, name), purpose, sites)
        ranges = feasible_ranges(published, withheld)
        narrowed = {k: r for k, r in ranges.items() if possible_values(*r) < min_cell_size - 1}
        assert narrowed == {}, f"{name}: {narrowed}"
        suppressed += len(ranges)
        # one word for every hidden figure: none says it was the small one
        assert not any(re.search(r"fewer than|primary|complementary", t) for t in texts)
    if who == "network viewer":
        assert suppressed > 0  # the demo does have small groups to protect
