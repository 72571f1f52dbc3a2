"""How fast is the SPC engine on a whole network? Prints figures; asserts nothing.

    make bench            (creates .venv-bench with Melior and the peer, then runs this)
    python bench/spc_bench.py [--repeat 5] [--peer-sample 200]

Times `spc.control_charts` (Anhøj runs rules + 3-sigma signals) for I and P charts on
10,000 series × 60 points and 500 series × 156 points, and, in the same run, the published
Python peer clinical-qikit (`qikit.qic`, one call per series) on a sample of the same series,
extrapolated to all of them. Times are the best of --repeat calls, wall clock and CPU (the
steadier figure when other work shares the machine). Peak memory is the traced peak of one
batch call.

The last case has repeated periods: 10,000 series × 60 weeks with two rows per series and
week (two classes of a school, say), which the batch combines into one point per week (Σy/Σn
for P, the mean for I) before charting — 1.2 million rows. The peer is not timed on it.
"""

import argparse
import platform
import time
import tracemalloc

import numpy as np
import pandas as pd

from melior.analysis import spc

CASES = [(10_000, 60, 1), (500, 156, 1), (10_000, 60, 2)]  # series, points, rows per point


def make_frame(n_series: int, n_points: int, rows_per_point: int = 1, seed: int = 1):
    """One row per series, week and class; each series' rows in week order, as a database
    export sorted by site and week gives them."""
    rng = np.random.default_rng(seed)
    per_series = n_points * rows_per_point
    size = n_series * per_series
    series = np.repeat(np.arange(n_series), per_series)
    week = np.tile(np.repeat(np.arange(n_points), rows_per_point), n_series)
    den = rng.integers(30, 400, size).astype(float)
    level = np.repeat(rng.uniform(0.3, 0.8, n_series), per_series)
    shifted = np.repeat(rng.random(n_series) < 0.3, per_series) & (week > n_points // 2)
    num = rng.binomial(den.astype(int), np.clip(level + 0.1 * shifted, 0, 1)).astype(float)
    value = rng.normal(50, 5, size) + 4 * shifted
    return pd.DataFrame({"site": series, "week": week, "num": num, "den": den, "value": value})


def melior_call(frame: pd.DataFrame, kind: str):
    """Every series charted, and the per-series table a network page shows."""
    if kind == "p":
        charts = spc.control_charts(frame, by="site", x="week", y="num", n="den", kind="p")
    else:
        charts = spc.control_charts(frame, by="site", x="week", y="value", kind="i")
    charts.summary(higher_is_better=True)
    return charts


def best_time(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of `repeat` calls; on a shared machine the CPU time
    is the steadier figure."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def peak_memory_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def peer_per_series(frame: pd.DataFrame, kind: str, sample: int):
    try:
        from qikit import qic
    except ImportError:
        return None, "clinical-qikit is not installed here (pip install clinical-qikit)"
    sites = frame["site"].unique()[:sample]
    groups = [g for _, g in frame[frame["site"].isin(sites)].groupby("site")]
    start = time.perf_counter()
    for g in groups:
        if kind == "p":
            qic(x=g["week"].to_numpy(), y=g["num"].to_numpy(), n=g["den"].to_numpy(), chart="p")
        else:
            qic(x=g["week"].to_numpy(), y=g["value"].to_numpy(), chart="i")
    return (time.perf_counter() - start) / len(groups), ""


def agreement(frame: pd.DataFrame, kind: str) -> str:
    """Largest difference in centre line and limits against the peer on 20 series."""
    try:
        from qikit import qic
    except ImportError:
        return "n/a"
    sample = frame[frame["site"] < 20]
    ours = melior_call(sample, kind).data
    worst = 0.0
    for site, g in sample.groupby("site"):
        if kind == "p":
            theirs = qic(
                x=g["week"].to_numpy(), y=g["num"].to_numpy(), n=g["den"].to_numpy(), chart="p"
            ).data
        else:
            theirs = qic(x=g["week"].to_numpy(), y=g["value"].to_numpy(), chart="i").data
        mine = ours[ours["site"] == site]
        for column in ("cl", "lcl", "ucl"):
            worst = max(
                worst, float(np.nanmax(np.abs(mine[column].to_numpy() - theirs[column].to_numpy())))
            )
    return f"{worst:.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-sample", type=int, default=200)
    args = parser.parse_args()
    print(
        f"SPC benchmark — Python {platform.python_version()}, NumPy {np.__version__}, "
        f"pandas {pd.__version__}, {platform.machine()}"
    )
    header = (
        f"{'case':<34}{'kind':<6}{'melior total':>14}{'cpu':>9}{'per series':>13}{'peak MB':>9}"
        f"{'peer/series':>13}{'peer total*':>13}{'speed-up':>10}{'max |diff|':>11}"
    )
    print(header)
    print("-" * len(header))
    for n_series, n_points, rows_per_point in CASES:
        frame = make_frame(n_series, n_points, rows_per_point)
        for kind in ("i", "p"):
            melior_call(frame, kind)  # warm up
            total, cpu = best_time(lambda f=frame, k=kind: melior_call(f, k), args.repeat)
            peak = peak_memory_mb(lambda f=frame, k=kind: melior_call(f, k))
            per = total / n_series
            peer, why = (
                peer_per_series(frame, kind, args.peer_sample)
                if rows_per_point == 1
                else (None, "")
            )
            if peer is None:
                peer_cols = f"{'—':>13}{'—':>13}{'—':>10}{'—':>11}"
            else:
                peer_cols = (
                    f"{peer * 1e6:>10.0f} µs{peer * n_series:>11.1f} s"
                    f"{peer / per:>9.0f}×{agreement(frame, kind):>11}"
                )
            case = f"{n_series:,} × {n_points} points" + (
                f", {rows_per_point} rows each" if rows_per_point > 1 else ""
            )
            print(
                f"{case:<34}{kind:<6}{total:>12.3f} s{cpu:>7.3f} s{per * 1e6:>10.1f} µs{peak:>9.0f}"
                f"{peer_cols}"
            )
            if why:
                print(f"  peer: {why}")
    print(
        "* peer total extrapolated from its time per series on "
        f"{args.peer_sample} series (one qic() call each)."
    )


if __name__ == "__main__":
    main()
