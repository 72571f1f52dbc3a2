"""The frozen result of a chart, with its summary, signals and plain-language reading."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .runs import RUNS_COLUMNS

CHART_NAMES = {
    "run": "Run chart",
    "i": "I chart",
    "mr": "Moving-range chart",
    "xbar": "X̄ chart",
    "s": "S chart",
    "r": "R chart",
    "c": "C chart",
    "u": "U chart",
    "p": "P chart",
    "np": "NP chart",
    "p_prime": "Laney P′ chart",
    "u_prime": "Laney U′ chart",
    "g": "G chart",
    "t": "T chart",
}


@dataclass(frozen=True)
class Sentence:
    """One plain-language finding; tone is "signal", "improving", "worsening" or ""."""

    text: str
    tone: str = ""


@dataclass(frozen=True, eq=False)
class ControlChart:
    kind: str
    rules: str
    data: pd.DataFrame  # one row per point
    parts: pd.DataFrame  # runs statistics per part
    direction: str | None = None  # "increase" or "decrease": which way is better
    target: float | None = None

    @property
    def name(self) -> str:
        return CHART_NAMES[self.kind]

    def summary(self) -> pd.DataFrame:
        """One row per part: the runs analysis, the number of sigma signals and the centre line
        and limits (lcl/ucl where constant over the part; mean_lcl/mean_ucl always)."""
        d = self.data
        rows = []
        for part, points in d.groupby("part", sort=True):
            stats = self.parts.loc[self.parts["part"] == part].iloc[0]
            row = {"part": part, **{c: stats[c] for c in RUNS_COLUMNS}}
            row["sigma_signals"] = int(points["sigma_signal"].sum())
            row["cl"] = _constant(points["cl"])
            row["lcl"] = _constant(points["lcl"])
            row["ucl"] = _constant(points["ucl"])
            row["mean_cl"] = points["cl"].mean()
            row["mean_lcl"] = points["lcl"].mean()
            row["mean_ucl"] = points["ucl"].mean()
            for extra in ("shift_signal", "trend_signal", "too_few_runs", "too_many_runs"):
                if extra in stats:
                    row[extra] = bool(stats[extra])
            if self.rules == "nhs":
                row["variation_type"] = _point_type(points.iloc[-1], self.direction)
                row["assurance_type"] = self._assurance(points)
            rows.append(row)
        out = pd.DataFrame(rows)
        for col in ("n_obs", "n_useful"):
            out[col] = out[col].astype(int)
        out["runs_signal"] = out["runs_signal"].astype(bool)
        return out

    @property
    def signals(self) -> pd.DataFrame:
        """The points that carry a signal, with what kind of signal."""
        d = self.data
        mask = d["sigma_signal"].copy()
        kinds = np.where(d["sigma_signal"], "outside the limits", "")
        for column, label in (("shift", "shift"), ("trend", "trend")):
            if column in d:
                kinds = np.where(d[column] & (kinds == ""), label, kinds)
                mask |= d[column]
        if "rule" in d:
            flagged = d["rule"] != ""
            kinds = np.where(flagged, d["rule"].str.replace("_", " "), kinds)
            mask |= flagged
        out = d.loc[mask, ["x", "y", "part", "cl", "lcl", "ucl"]].copy()
        out.insert(0, "point", np.flatnonzero(mask.to_numpy()) + 1)
        out["signal"] = kinds[mask.to_numpy()]
        if self.rules == "nhs":
            out["point_type"] = [_point_type(r, self.direction) for _, r in d[mask].iterrows()]
        return out.reset_index(drop=True)

    # --- reading the chart ------------------------------------------------------------------

    def status(self, higher_is_better: bool | None = None) -> str:
        """Where the measure stands now: "improving" or "worsening" when a signal of the last
        part is current (it reaches the most recent points, see `recent_points`), "no change"
        otherwise (or when no direction is preferred), "no data" without useful points."""
        direction, position = self._latest_signal()
        last_rows = np.flatnonzero((self.data["part"] == self.data["part"].max()).to_numpy())
        if (
            direction is not None
            and position < last_rows[-1] - int(recent_points(len(last_rows))) + 1
        ):
            direction = None  # a signal from long ago says nothing about now
        if direction is None:
            last = self.parts.iloc[-1]
            return "no data" if last["n_useful"] == 0 and self.kind != "mr" else "no change"
        better = self._better(higher_is_better)
        if better is None or direction == 0:
            return "no change"
        return "improving" if direction == better else "worsening"

    def describe(self, higher_is_better: bool | None = None) -> list[Sentence]:
        """Plain-language sentences about the signals, newest part last."""
        better = self._better(higher_is_better)
        sentences: list[Sentence] = []
        d = self.data
        many_parts = d["part"].nunique() > 1
        for part, points in d.groupby("part", sort=True):
            stats = self.parts.loc[self.parts["part"] == part].iloc[0]
            prefix = f"Part {part} (from {_label(points['x'].iloc[0])}): " if many_parts else ""
            found = self._describe_part(points, stats, better)
            if not found:
                found = [
                    Sentence(
                        "No signals: the variation is consistent with common cause. Changing the "
                        "results will take a change to the process."
                    )
                ]
            sentences += [Sentence(prefix + s.text, s.tone) for s in found]
        return sentences

    def _describe_part(self, points, stats, better) -> list[Sentence]:
        out = []
        # runs_signal is off where a runs analysis means nothing (MR charts, categorical x)
        if self.rules == "anhoej" and stats["runs_signal"]:
            if stats["longest_run"] > stats["longest_run_max"]:
                # the length and the side of the same run: the longest
                side = "above" if stats["longest_run_sign"] > 0 else "below"
                out.append(
                    Sentence(
                        f"{int(stats['longest_run'])} points in a row {side} the center line (more "
                        f"than {int(stats['longest_run_max'])} is unlikely by chance) — a shift; "
                        "likely a real change.",
                        _tone(stats["longest_run_sign"], better),
                    )
                )
            if stats["n_crossings"] < stats["n_crossings_min"]:
                out.append(
                    Sentence(
                        f"The data {_crossings(int(stats['n_crossings']))} "
                        f"(fewer than {int(stats['n_crossings_min'])} is unlikely by chance) — "
                        "the process has likely shifted.",
                        _tone(stats["last_run_sign"], better),
                    )
                )
        if self.rules == "ihi":
            if stats.get("shift_signal"):
                out.append(
                    Sentence(
                        "A shift: 6 or more points in a row on one side of the median.",
                        _tone(
                            np.sign(
                                points.loc[points["shift"], "y"].iloc[-1] - points["cl"].iloc[0]
                            ),
                            better,
                        ),
                    )
                )
            if stats.get("trend_signal"):
                trend = points.loc[points["trend"], "y"]
                out.append(
                    Sentence(
                        "A trend: 5 or more points in a row going the same way.",
                        _tone(np.sign(trend.iloc[-1] - trend.iloc[0]), better),
                    )
                )
            if stats.get("too_few_runs"):
                out.append(Sentence("Too few runs around the median — a likely shift.", "signal"))
            if stats.get("too_many_runs"):
                out.append(
                    Sentence(
                        "Too many runs around the median — the data may alternate between two "
                        "processes (for example two classes entered in turn).",
                        "signal",
                    )
                )
        if self.rules == "nhs":
            flagged = points[points["rule"] != ""]
            for rule, group in flagged.groupby("rule", sort=False):
                label = {
                    "outside": "beyond a process limit",
                    "trend": "in a 7-point trend",
                    "two_in_three": "2 of 3 close to a limit",
                    "shift": "in a run of 7 on one side of the mean",
                }[rule]
                out.append(
                    Sentence(
                        f"{_points(len(group))} {label} — special cause.",
                        _tone(group["rule_sign"].iloc[-1], better),
                    )
                )
        outside = points[points["sigma_signal"]]
        if len(outside) and self.rules != "nhs":
            above = outside["y"] > outside["ucl"]
            where = ", ".join(_label(v) for v in outside["x"].iloc[-3:])
            out.append(
                Sentence(
                    f"{len(outside)} point{'s' if len(outside) != 1 else ''} outside the control "
                    f"limits (latest: {where}) — special cause worth investigating.",
                    _tone(1 if above.iloc[-1] else -1, better),
                )
            )
        return out

    def _latest_signal(self) -> tuple[int | None, int]:
        """(direction, position) of the most recent signal in the last part; direction None
        when the last part has none."""
        d = self.data
        last_part = d["part"].max()
        rows = np.flatnonzero((d["part"] == last_part).to_numpy())
        stats = self.parts.iloc[-1]
        candidates = []
        sig = np.flatnonzero(d["sigma_signal"].to_numpy()[rows])
        if len(sig):
            i = rows[sig[-1]]
            candidates.append((1 if d["y"].iat[i] > d["ucl"].iat[i] else -1, i))
        if "rule_sign" in d:
            flagged = np.flatnonzero(d["rule_sign"].to_numpy()[rows] != 0)
            if len(flagged):
                i = rows[flagged[-1]]
                candidates.append((int(d["rule_sign"].iat[i]), i))
        if "shift" in d:
            for column in ("shift", "trend"):
                flagged = np.flatnonzero(d[column].to_numpy()[rows])
                if len(flagged):
                    i = rows[flagged[-1]]
                    sign = (
                        np.sign(d["y"].iat[i] - d["cl"].iat[i])
                        if column == "shift"
                        else (np.sign(d["y"].iat[i] - d["y"].iat[rows[flagged[0]]]))
                    )
                    candidates.append((int(sign), i))
        if self.rules == "anhoej" and bool(stats["runs_signal"]):
            if stats["long_run_sign"] != 0:
                candidates.append((int(stats["long_run_sign"]), int(stats["long_run_end"])))
            else:
                candidates.append((int(stats["last_run_sign"]), rows[-1]))
        if not candidates:
            return None, -1
        return max(candidates, key=lambda c: c[1])

    def _better(self, higher_is_better: bool | None) -> int | None:
        if higher_is_better is not None:
            return 1 if higher_is_better else -1
        return {"increase": 1, "decrease": -1}.get(self.direction)

    def _assurance(self, points) -> str | None:
        if self.target is None or self.direction is None:
            return None
        upper, lower = points["ucl"].iloc[-1], points["lcl"].iloc[-1]
        up = self.direction == "increase"
        if self.target > upper:
            return "consistent_fail" if up else "consistent_pass"
        if self.target < lower:
            return "consistent_pass" if up else "consistent_fail"
        return "inconsistent"

    def chart(
        self,
        *,
        title: str | None = None,
        annotations=None,
        y_title: str | None = None,
        width: int | str = 640,
        height: int = 300,
        percent: bool | None = None,
    ):
        """An Altair chart of the result (see plot.py); percent formats the y axis as %."""
        from .plot import plot

        return plot(
            self,
            title=title,
            annotations=annotations,
            y_title=y_title,
            width=width,
            height=height,
            percent=percent,
        )


def recent_points(n_points):
    """How many of the latest points make a signal "current": a tenth of the part, at least 3
    (a number, or an array of part lengths). Over a long series a stable process crosses a
    3-sigma limit by chance now and then; only a signal that reaches the latest points speaks
    of the process as it is."""
    return np.maximum(3, np.ceil(0.1 * np.asarray(n_points))).astype(int)


def _crossings(count: int) -> str:
    if count == 0:
        return "never cross the center line"
    return "cross the center line only " + ("once" if count == 1 else f"{count} times")


def _points(count: int) -> str:
    return f"{count} point" + ("" if count == 1 else "s")


def _constant(values: pd.Series) -> float:
    finite = values.dropna()
    if len(finite) and np.allclose(finite, finite.iloc[0], rtol=1e-12, atol=0):
        return float(finite.iloc[0])
    return np.nan


def _point_type(row, direction: str | None) -> str:
    sign = int(row.get("rule_sign", 0) or 0)
    if sign == 0:
        return "common_cause"
    if direction is None:
        return "special_cause_neutral_high" if sign > 0 else "special_cause_neutral_low"
    good = 1 if direction == "increase" else -1
    return "special_cause_improvement" if sign == good else "special_cause_concern"


def _tone(sign, better: int | None) -> str:
    if better is None or sign == 0 or not np.isfinite(sign):
        return "signal"
    return "improving" if int(np.sign(sign)) == better else "worsening"


def _label(value) -> str:
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%b %-d, %Y")
    if hasattr(value, "strftime"):
        return value.strftime("%b %-d, %Y")
    if isinstance(value, float) and value.is_integer():
        return f"point {int(value)}"
    if isinstance(value, int | np.integer):
        return f"point {value}"
    return str(value)
