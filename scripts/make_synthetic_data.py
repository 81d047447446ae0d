"""Generate the SYNTHETIC demonstration dataset, data/synthetic-demo/.

What it is: twelve invented indicators (S01..S12) with several quarters of
history, designed so that the covering paper can show real rating movements
between 2024-25-Q1 (April to June 2024) and 2024-25-Q2 (July to September 2024)
under the `ragb` key: improvements, declines, unchanged ratings, an annual
indicator that updates this quarter and one that does not, a contextual and a
baseline indicator, and an indicator that is new this quarter.

Every figure is invented. None of it is any council's data: the history is seeded
random noise around a designed path, and the two quarter-end values that decide
the Q1 and Q2 ratings are set by hand (see SPECS below).

Run from the project root:

    .venv/bin/python scripts/make_synthetic_data.py

It overwrites data/synthetic-demo/indicators.yaml and
data/synthetic-demo/observations.csv, and is deterministic byte for byte: the
random generator has a fixed seed and the specs are drawn from in a fixed order.
Uses only the standard library, numpy and pyyaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from synthetic import check_rating, month_ends, month_label, observation_rows, quarter_label, write_dataset

SEED = 20240401
PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "data" / "synthetic-demo"
COMMITTEE = "synthetic-demo"

Q1_END = date(2024, 6, 30)  # 2024-25-Q1: April to June 2024
Q2_END = date(2024, 9, 30)  # 2024-25-Q2: July to September 2024



@dataclass
class Spec:
    """One invented indicator: its catalogue entry and the designed path of its values."""

    id: str
    title: str
    direction: str
    unit: str
    status: str
    frequency: str
    demonstrates: str  # finishes the description sentence
    target: float | None = None
    start: float | None = None  # first value of the noisy history path
    q1: float | None = None  # exact value at the Q1 quarter end (None: no observation)
    q2: float | None = None  # exact value at the Q2 quarter end
    noise: float = 0.8  # standard deviation of the history's noise
    rate_base: int | None = None
    decimals: int | None = None
    annual: dict[str, float] = field(default_factory=dict)  # academic year label -> value
    first_month: date | None = None  # monthly series that start later than April 2022
    stat_neighbour: float | None = None  # comparators on the latest row only
    england: float | None = None
    notes: dict[str, str] = field(default_factory=dict)  # period label -> note
    expect: tuple[str, str] = ("", "")  # designed ragb rating as at Q1 and as at Q2

    @property
    def places(self) -> int:
        if self.decimals is not None:
            return self.decimals
        return 0 if self.unit == "number" else 1


SPECS = [
    Spec("S01", "Percentage of demonstration assessments completed within 45 days (synthetic)",
         "higher", "percent", "target", "monthly", "improves from Red to Amber this quarter",
         target=80, start=74.0, q1=68.0, q2=75.0, stat_neighbour=78.6, england=79.9, expect=("Red", "Amber")),
    Spec("S02", "Percentage of demonstration cases re-opened within 12 months (synthetic)",
         "lower", "percent", "target", "monthly", "improves from Red to Blue this quarter",
         target=20, start=23.5, q1=26.0, q2=18.0, stat_neighbour=21.4, england=22.3, expect=("Red", "Blue")),
    Spec("S03", "Rate of demonstration referrals per 10,000 residents (synthetic)",
         "lower", "rate", "target", "monthly", "declines from Green to Amber this quarter",
         target=40, start=45.0, q1=39.5, q2=42.0, noise=1.0, rate_base=10000,
         stat_neighbour=43.8, england=46.1, expect=("Green", "Amber")),
    Spec("S04", "Number of demonstration visits completed in the quarter (synthetic)",
         "higher", "number", "target", "quarterly", "declines from Blue to Red this quarter",
         target=500, start=470, q1=560, q2=430, noise=15.0, stat_neighbour=505, england=512,
         expect=("Blue", "Red")),
    Spec("S05", "Percentage of demonstration plans reviewed on time (synthetic)",
         "higher", "percent", "target", "monthly", "stays Green in both quarters",
         target=90, start=87.5, q1=91.0, q2=92.0, stat_neighbour=89.2, england=88.7, expect=("Green", "Green")),
    Spec("S06", "Percentage of demonstration placements ending unplanned (synthetic)",
         "lower", "percent", "target", "monthly", "stays Red in both quarters although the value improves",
         target=10, start=14.5, q1=13.0, q2=12.5, stat_neighbour=10.9, england=11.4, expect=("Red", "Red")),
    Spec("S07", "Average demonstration satisfaction score out of 100 (synthetic)",
         "higher", "score", "target", "quarterly", "stays Amber in both quarters",
         target=50, start=45.5, q1=48.0, q2=47.5, decimals=1, stat_neighbour=49.1, england=50.4,
         expect=("Amber", "Amber")),
    Spec("S08", "Percentage of demonstration pupils reaching the expected standard (synthetic)",
         "higher", "percent", "target", "academic_year",
         "improves from Amber to Green when its 2023/24 figure arrives in August",
         target=65, annual={"2021/22": 60.0, "2022/23": 62.0, "2023/24": 67.0},
         stat_neighbour=65.8, england=66.2, expect=("Amber", "Green")),
    Spec("S09", "Percentage of demonstration pupils persistently absent (synthetic)",
         "lower", "percent", "target", "academic_year",
         "is not updated this quarter (its latest figure is for 2022/23) and stays Red",
         target=5, annual={"2021/22": 6.0, "2022/23": 5.8},
         stat_neighbour=5.4, england=5.6, notes={"2022/23": "2023/24 figures are published in March 2025"},
         expect=("Red", "Red")),
    Spec("S10", "Percentage of demonstration contacts made online (synthetic)",
         "higher", "percent", "contextual", "monthly", "is contextual, with no target, so is not rated against one",
         start=38.0, q1=42.0, q2=43.5, stat_neighbour=40.2, england=44.9, expect=("Contextual", "Contextual")),
    Spec("S11", "Percentage of demonstration enquiries answered within 5 days (synthetic)",
         "higher", "percent", "target", "monthly", "is new this quarter: its first figures are for July 2024",
         target=75, q2=77.0, first_month=date(2024, 7, 31), stat_neighbour=74.1, england=73.5,
         expect=("Not rated", "Green")),
    Spec("S12", "Rate of demonstration reviews per 10,000 residents (synthetic)",
         "lower", "rate", "baseline", "quarterly",
         "is a baseline measure, collected for a year or more before a target is set",
         start=58.0, q1=61.5, q2=60.0, noise=1.2, rate_base=10000, stat_neighbour=57.3, england=59.8,
         expect=("Baseline", "Baseline")),
]


def academic_year_end(label: str) -> date:
    """'2023/24' -> 2024-08-31, the end of that academic year."""
    return date(int(label[:4]) + 1, 8, 31)


def noisy_path(rng: np.random.Generator, spec: Spec, n: int) -> list[float]:
    """n values: a straight line from `start` to `q1` plus noise, the last one exactly `q1`."""
    line = np.linspace(spec.start, spec.q1, n)
    values = line + rng.normal(0.0, spec.noise, n)
    values[-1] = spec.q1
    return list(values)


def between(rng: np.random.Generator, a: float, b: float, k: int, noise: float) -> list[float]:
    """k values stepping from a towards b, a little noisy, kept inside [a, b]."""
    line = np.linspace(a, b, k + 2)[1:-1]
    values = line + rng.normal(0.0, noise, k)
    return list(np.clip(values, min(a, b), max(a, b)))


def series(rng: np.random.Generator, spec: Spec) -> list[tuple[date, str, float]]:
    """(period_end, period_label, value) for one indicator, oldest first."""
    if spec.frequency == "academic_year":
        return [(academic_year_end(label), label, value) for label, value in spec.annual.items()]
    if spec.frequency == "quarterly":
        ends = month_ends(date(2022, 4, 1), Q2_END)[2::3]  # June, September, December, March
        values = noisy_path(rng, spec, len(ends) - 1) + [spec.q2]
        return [(end, quarter_label(end), v) for end, v in zip(ends, values)]
    # monthly
    if spec.first_month is not None:  # a new indicator: a short run up to its Q2 value
        ends = month_ends(spec.first_month, Q2_END)
        values = list(spec.q2 - np.linspace(4.0, 0.0, len(ends)) + rng.normal(0.0, 0.5, len(ends)))
        values[-1] = spec.q2
    else:
        history = month_ends(date(2022, 4, 1), Q1_END)
        ends = history + month_ends(date(2024, 7, 1), Q2_END)
        values = noisy_path(rng, spec, len(history)) + between(rng, spec.q1, spec.q2, 2, spec.noise / 3) + [spec.q2]
    return [(end, month_label(end), v) for end, v in zip(ends, values)]


def check_design(spec: Spec, rows: list[tuple[date, str, float]]) -> None:
    """Fail loudly if the written values would not give the designed ratings."""
    for as_at, expected in zip((Q1_END, Q2_END), spec.expect):
        current = [v for end, _, v in rows if end <= as_at]
        if not current:
            assert expected == "Not rated", (spec.id, as_at, "no data")
            continue
        if spec.status != "target":
            assert expected == spec.status.capitalize(), (spec.id, expected)
            continue
        check_rating(f"{spec.id} as at {as_at}", round(float(current[-1]), spec.places), spec.target, spec.direction, expected)
    for _, _, v in rows:
        if spec.unit == "percent":
            assert 0 <= round(float(v), spec.places) <= 100, (spec.id, v)


def catalogue_entry(spec: Spec) -> dict:
    entry = {
        "id": spec.id,
        "title": spec.title,
        "direction": spec.direction,
        "unit": spec.unit,
        "status": spec.status,
        "decimals": spec.places,
        "frequency": spec.frequency,
    }
    if spec.rate_base is not None:
        entry["rate_base"] = spec.rate_base
    entry["committees"] = [COMMITTEE]
    entry["description"] = (
        f"Synthetic indicator invented for demonstrating the workbook, not any council's figure; "
        f"it {spec.demonstrates}."
    )
    return entry


CATALOGUE_HEADER = """\
# SYNTHETIC DATA: invented for demonstrating the workbook; not any council's figures.
#
# Generated by scripts/make_synthetic_data.py (seed 20240401). Do not edit by hand:
# change the script and run `.venv/bin/python scripts/make_synthetic_data.py`.

"""


def main() -> None:
    rng = np.random.default_rng(SEED)
    entries, table = [], []
    for spec in SPECS:
        rows = series(rng, spec)
        check_design(spec, rows)
        entries.append(catalogue_entry(spec))
        table += observation_rows(spec, rows)
    write_dataset(OUT, CATALOGUE_HEADER, entries, table)


if __name__ == "__main__":
    main()
