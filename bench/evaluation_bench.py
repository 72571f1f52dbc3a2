"""Evaluating a pilot on 1,000,000 students.

    python bench/evaluation_bench.py [--students 1000000] [--peer-students 3000]

Generates students in 2,000 classes (prior score, English learner, economically disadvantaged,
grade) with a modest true effect (0.10 SD) and times, best of two:
- `randomized_pilot` with covariates and HC1 standard errors, and with CR1 by class (classes
  assigned whole);
- `matched_comparison` — users of a tool chosen by their characteristics, logistic propensity
  score, greedy nearest-neighbour matching without replacement (caliper 0.2) and with it;
and, in the same run, the peer psmpy (logistic propensity score + k-nearest-neighbour matching)
on --peer-students students, if it is installed. Prints times and estimates; asserts nothing.
"""

import argparse
import time

import numpy as np
import pandas as pd


def students(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, max(n // 500, 4), n)
    prior = rng.normal(0, 1, n) + rng.normal(0, 0.4, classes.max() + 1)[classes]
    ell = (rng.random(n) < 0.2).astype(int)
    poor = (rng.random(n) < 0.45).astype(int)
    grade = rng.integers(6, 9, n)
    assigned = (rng.random(classes.max() + 1) < 0.5).astype(int)[classes]
    chance = 1 / (1 + np.exp(-(-0.3 + 0.5 * prior - 0.4 * ell + 0.2 * poor)))
    used = (rng.random(n) < chance).astype(int)
    noise = rng.normal(0, 0.7, n)
    score = 0.7 * prior - 0.2 * ell - 0.15 * poor + noise
    return pd.DataFrame(
        {
            "class": classes,
            "prior": prior,
            "ell": ell,
            "poor": poor,
            "grade": grade,
            "assigned": assigned,
            "used": used,
            "score_rct": score + 0.10 * assigned,
            "score_obs": score + 0.10 * used,
        }
    )


def best_of_two(step):
    times, result = [], None
    for _ in range(2):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--peer-students", type=int, default=3_000)
    args = parser.parse_args()
    from melior.analysis import evaluation as ev

    frame = students(args.students)
    covariates = ["prior", "ell", "poor", "grade"]
    print(f"Evaluation bench — {len(frame):,} students in {frame['class'].nunique():,} classes")
    for label, step in (
        (
            "randomised, HC1",
            lambda: ev.randomized_pilot(frame, "score_rct", "assigned", covariates=covariates),
        ),
        (
            "randomised by class, CR1",
            lambda: ev.randomized_pilot(
                frame, "score_rct", "assigned", covariates=covariates, cluster="class"
            ),
        ),
        (
            "matched, no replacement",
            lambda: ev.matched_comparison(frame, "score_obs", "used", covariates),
        ),
        (
            "matched, with replacement",
            lambda: ev.matched_comparison(frame, "score_obs", "used", covariates, replace=True),
        ),
    ):
        seconds, result = best_of_two(step)
        impact = result.impact if isinstance(result, ev.MatchedComparison) else result
        print(
            f"  {label:28s} {seconds:6.2f} s   impact {impact.impact:+.4f} "
            f"(SE {impact.se:.4f}; true 0.10)"
        )
    try:
        from psmpy import PsmPy
    except ImportError:
        print("  peer psmpy not installed (make bench installs it)")
        return
    sample = frame.sample(args.peer_students, random_state=1).reset_index(drop=True)
    sample["id"] = np.arange(len(sample))
    started = time.perf_counter()
    ours = ev.matched_comparison(sample, "score_obs", "used", covariates, caliper=None)
    mine = time.perf_counter() - started
    started = time.perf_counter()
    peer = PsmPy(sample[["id", "used", *covariates]], treatment="used", indx="id", exclude=[])
    peer.logistic_ps(balance=False)
    peer.kdtree_matched(matcher="propensity_logit", replacement=False, caliper=None)
    theirs = time.perf_counter() - started
    print(
        f"  same run, {len(sample):,} students, matching without replacement: Melior "
        f"{mine:.2f} s, psmpy {theirs:.2f} s ({theirs / mine:.0f}× Melior's time); Melior "
        f"matched {len(ours.pairs):,} users"
    )


if __name__ == "__main__":
    main()
