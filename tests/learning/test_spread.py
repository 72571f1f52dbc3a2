"""Spread stages derived from PDSA cycles, against hand-worked timelines."""

import datetime

from melior.learning.spread import CycleEvent, Override, network_timeline, stage_on

D = datetime.date


def test_a_ramp_moves_a_site_through_the_stages():
    ramp = [
        CycleEvent(D(2025, 1, 6), D(2025, 1, 20), "adapt", 1),
        CycleEvent(D(2025, 1, 27), D(2025, 2, 10), "adopt", 3),
        CycleEvent(D(2025, 2, 17), D(2025, 3, 3), "adopt", 5),
    ]
    assert stage_on(D(2025, 1, 1), ramp) == ("not_started", None)
    assert stage_on(D(2025, 1, 15), ramp) == ("testing", D(2025, 1, 6))
    assert stage_on(D(2025, 1, 25), ramp) == ("testing", D(2025, 1, 6))  # adapt keeps testing
    assert stage_on(D(2025, 2, 20), ramp) == ("implementing", D(2025, 2, 10))  # 1 class
    assert stage_on(D(2025, 3, 10), ramp) == ("spreading", D(2025, 3, 3))  # a whole grade
    assert stage_on(D(2025, 9, 1), ramp) == ("sustaining", D(2025, 9, 1))  # 26 weeks on
    # ... unless the idea's measure is getting worse now
    assert stage_on(D(2025, 9, 1), ramp, measure_worsening=True)[0] == "spreading"


def test_abandoning_resets_and_a_new_test_restarts():
    cycles = [
        CycleEvent(D(2025, 1, 6), D(2025, 1, 20), "abandon", 1),
        CycleEvent(D(2025, 5, 5), None, "", 1),
    ]
    assert stage_on(D(2025, 2, 1), cycles) == ("not_started", D(2025, 1, 20))
    assert stage_on(D(2025, 5, 6), cycles) == ("testing", D(2025, 5, 5))


def test_a_stage_set_by_hand_holds_until_the_next_cycle_event():
    cycles = [
        CycleEvent(D(2025, 1, 6), D(2025, 1, 20), "adapt", 2),
        CycleEvent(D(2025, 6, 2), D(2025, 6, 16), "abandon", 2),
    ]
    hand = [Override(D(2025, 3, 1), "implementing")]
    assert stage_on(D(2025, 4, 1), cycles, hand) == ("implementing", D(2025, 3, 1))
    assert stage_on(D(2025, 7, 1), cycles, hand) == ("not_started", D(2025, 6, 16))


def test_the_network_timeline_counts_sites_per_stage_each_month():
    per_site = {
        1: ([CycleEvent(D(2025, 1, 6), D(2025, 2, 3), "adopt", 5)], []),
        2: ([CycleEvent(D(2025, 2, 10), None, "", 1)], []),
        3: ([], []),
    }
    rows = network_timeline(per_site, D(2025, 1, 6), D(2025, 3, 15))
    assert [month for month, _ in rows] == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    assert rows[0][1] == {
        "not_started": 2,
        "testing": 1,
        "implementing": 0,
        "spreading": 0,
        "sustaining": 0,
    }
    assert rows[1][1]["spreading"] == 1 and rows[1][1]["testing"] == 1


def test_a_low_fidelity_check_holds_a_school_back_at_testing():
    adopted = [CycleEvent(D(2025, 1, 6), D(2025, 1, 20), "adopt", 5)]
    assert stage_on(D(2025, 3, 1), adopted) == ("spreading", D(2025, 1, 20))
    low = D(2025, 2, 10)
    assert stage_on(D(2025, 3, 1), adopted, low_fidelity_since=low) == ("testing", low)
    assert stage_on(D(2025, 2, 1), adopted, low_fidelity_since=low)[0] == "spreading"  # not yet
    hand = [Override(D(2025, 2, 20), "sustaining")]  # not even a stage set by hand
    assert stage_on(D(2025, 3, 1), adopted, hand, low_fidelity_since=low)[0] == "testing"
    testing = [CycleEvent(D(2025, 1, 6), None, "", 1)]  # nothing to hold back
    assert stage_on(D(2025, 3, 1), testing, low_fidelity_since=low) == ("testing", D(2025, 1, 6))
