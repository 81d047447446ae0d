"""Generate the SYNTHETIC statistical process control dataset, data/synthetic-spc/.

What it is: eleven invented indicators (SP01..SP11) with up to 36 months of history,
April 2021 to March 2024, designed so that the XmR charts (statistical process
control, `reporting.measures.spc`) in the report for 2023-24-Q4 (January to March 2024) show
each kind of result: a point outside the process limits, a shift, a trend, two of
three points near a limit, limits that restart after a rebase, each assurance outcome
(consistently passing, consistently failing, hit and miss), a Red rating that is only
common-cause variation, a Blue rating on a process that has really declined, a
contextual indicator with no direction, and quarterly indicators with too few points
for firm limits (8 points: provisional) or for any limits at all (4 points).

Every figure is invented. None of it is any council's data: each series is seeded
random noise around a designed path (flat levels, steps and slopes, see SPECS below),
and the latest few values that decide the rating and the special-cause rules are set
by hand.

Run from the project root:

    .venv/bin/python scripts/make_synthetic_spc_data.py

It overwrites data/synthetic-spc/indicators.yaml, data/synthetic-spc/observations.csv
and data/synthetic-spc/README.md, and is deterministic byte for byte: the random
generator has a fixed seed and the specs are drawn from in a fixed order.
Uses only the standard library, numpy and pyyaml.

The script checks the ragb rating of every latest value. The SPC results listed in
each spec's `expect` were checked with the project's own engine
(`reporting.measures.spc.xmr` and `spc_summary`, default settings); check them again after
changing the design (data/synthetic-spc/README.md says how).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from synthetic import check_rating, fmt, month_ends, month_label, observation_rows, quarter_label, write_dataset

SEED = 20240297
PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "data" / "synthetic-spc"
COMMITTEE = "synthetic-spc"

FIRST_MONTH = date(2021, 4, 30)  # April 2021
LAST_MONTH = date(2024, 3, 31)  # March 2024, the end of 2023-24-Q4



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
    pieces: list[tuple[int, float, float, float]]  # (points, start level, end level, noise sd), oldest first
    tail: tuple[float, ...] = ()  # exact values for the last len(tail) points, set by hand
    target: float | None = None
    decimals: int | None = None
    first: date = FIRST_MONTH  # period end of the first point
    rebase: tuple[date, ...] = ()  # catalogue spc_rebase: dates at which the process limits restart
    stat_neighbour: float | None = None  # comparators on the latest row only
    england: float | None = None
    notes: dict[str, str] = field(default_factory=dict)  # period label -> note
    # Designed result as at March 2024: ragb rating (checked here), then the SPC variation,
    # assurance and the rules that fire anywhere in the series (checked with reporting.measures.spc).
    expect: tuple[str, str, str, str] = ("", "", "", "")

    @property
    def places(self) -> int:
        if self.decimals is not None:
            return self.decimals
        return 0 if self.unit == "number" else 1

    @property
    def points(self) -> int:
        return sum(n for n, *_ in self.pieces)


SPECS = [
    Spec("SP01", "Percentage of demonstration calls answered within 60 seconds (synthetic)",
         "higher", "percent", "target", "monthly",
         "has a stable process until its latest point, March 2024, falls below the lower process limit",
         pieces=[(36, 88.0, 88.0, 1.2)], tail=(79.5,), target=85, stat_neighbour=84.2, england=83.6,
         expect=("Amber", "Special cause concerning", "Hit and miss", "outside limits (March 2024 only)")),
    Spec("SP02", "Percentage of demonstration repairs completed right first time (synthetic)",
         "higher", "percent", "target", "monthly",
         "steps down from about 80% to about 78% in June 2023: a shift below the mean for the last "
         "ten months, a real decline although the latest figure is still rated Blue",
         pieces=[(26, 80.0, 80.0, 0.9), (10, 78.0, 78.0, 0.5)], tail=(77.9,), target=72,
         stat_neighbour=74.0, england=72.5,
         expect=("Blue", "Special cause concerning", "Consistently passing",
                 "shift (the last 10 points below the mean, flagged December 2023 to March 2024); two of three (August 2023)")),
    Spec("SP03", "Average days from demonstration referral to first appointment (synthetic)",
         "lower", "number", "target", "monthly",
         "falls by about half a day a month from August 2023: a trend of eight falling points, special cause improving",
         pieces=[(28, 30.0, 30.0, 1.4), (8, 29.6, 26.4, 0.08)], tail=(26.4,), target=29, decimals=1,
         stat_neighbour=26.5, england=27.9,
         expect=("Blue", "Special cause improving", "Hit and miss",
                 "trend (8 falling points, flagged February and March 2024); shift and two of three (March 2024)")),
    Spec("SP04", "Percentage of demonstration residents rating the service good (synthetic)",
         "higher", "percent", "target", "monthly",
         "has two of its last three points beyond two-thirds of the way to the upper process limit",
         pieces=[(36, 62.0, 62.0, 1.0)], tail=(64.6, 62.4, 64.5), target=63,
         expect=("Green", "Special cause improving", "Hit and miss", "two of three (March 2024 only)")),
    Spec("SP05", "Percentage of demonstration cases closed within 28 days (synthetic)",
         "higher", "percent", "target", "monthly",
         "moved to a new service model in October 2022, so its process limits restart then "
         "(rebased); since then the variation is common cause",
         pieces=[(18, 58.0, 60.0, 1.4), (18, 73.0, 73.0, 1.2)], tail=(72.5,), target=71,
         rebase=(date(2022, 10, 1),), stat_neighbour=68.9, england=67.4,
         notes={"Oct 2022": "New service model introduced from October 2022"},
         expect=("Green", "Common cause", "Hit and miss", "none, in either segment")),
    Spec("SP06", "Percentage of demonstration applications returned incomplete (synthetic)",
         "lower", "percent", "target", "monthly",
         "varies by chance around about 14% while the target is 8%: the whole range between the "
         "process limits misses the target, so it is consistently failing",
         pieces=[(36, 14.0, 14.0, 0.7)], tail=(13.8,), target=8, stat_neighbour=11.2, england=10.6,
         expect=("Red", "Common cause", "Consistently failing", "none")),
    Spec("SP07", "Percentage of demonstration invoices paid within 30 days (synthetic)",
         "higher", "percent", "target", "monthly",
         "is rated Red this month, but the figure is within the process's usual wide variation "
         "and the target lies between the limits: common cause, hit and miss",
         pieces=[(36, 85.0, 85.0, 3.0)], tail=(79.6,), target=90, stat_neighbour=88.1, england=87.0,
         expect=("Red", "Common cause", "Hit and miss", "none")),
    Spec("SP08", "Number of demonstration enquiries received in the month (synthetic)",
         "none", "number", "contextual", "monthly",
         "is contextual, with no target and no better direction: the chart shows variation but "
         "neither improvement nor concern",
         pieces=[(36, 1200.0, 1240.0, 35.0)], tail=(1228.0,),
         expect=("Contextual", "Common cause", "Not applicable", "none")),
    Spec("SP09", "Percentage of demonstration complaints escalated to stage two (synthetic)",
         "lower", "percent", "target", "monthly",
         "varies by chance around about 6% while the target is 10%: the whole range between the "
         "process limits meets the target, so it is consistently passing",
         pieces=[(36, 6.0, 6.0, 0.45)], tail=(6.1,), target=10, stat_neighbour=7.9, england=8.4,
         expect=("Blue", "Common cause", "Consistently passing", "none")),
    Spec("SP10", "Average demonstration partner survey score out of 100 (synthetic)",
         "higher", "score", "target", "quarterly",
         "is quarterly with 8 points from April to June 2022, fewer than 12, so its process limits are provisional",
         pieces=[(8, 74.0, 76.0, 1.2)], tail=(76.4,), target=75, first=date(2022, 6, 30),
         stat_neighbour=74.8, england=75.3,
         expect=("Green", "Common cause (provisional limits)", "Hit and miss", "none")),
    Spec("SP11", "Percentage of demonstration visits rearranged at short notice (synthetic)",
         "lower", "percent", "target", "quarterly",
         "is new, quarterly with 4 points from April to June 2023, fewer than 6, so no process limits "
         "are drawn and no rule is tested",
         pieces=[(4, 18.0, 16.5, 0.6)], tail=(15.9,), target=15, first=date(2023, 6, 30),
         notes={"Apr-Jun 2023": "First quarter collected"},
         expect=("Amber", "Not assessed", "Not assessed", "none (too few points)")),
]


def series(rng: np.random.Generator, spec: Spec) -> list[tuple[date, str, float]]:
    """(period_end, period_label, value) for one indicator, oldest first, ending March 2024."""
    ends = month_ends(spec.first, LAST_MONTH)
    if spec.frequency == "quarterly":
        ends = [end for end in ends if end.month in (3, 6, 9, 12)]
        labels = [quarter_label(end) for end in ends]
    else:
        labels = [month_label(end) for end in ends]
    assert len(ends) == spec.points, (spec.id, len(ends), spec.points)
    values = np.concatenate([
        np.linspace(start, end, n) + rng.normal(0.0, noise, n) for n, start, end, noise in spec.pieces
    ])
    if spec.tail:
        values[-len(spec.tail):] = spec.tail
    return list(zip(ends, labels, (float(v) for v in values)))


def check_design(spec: Spec, rows: list[tuple[date, str, float]]) -> None:
    """Fail loudly if the written values would not give the designed rating in March 2024."""
    assert rows[-1][0] == LAST_MONTH, (spec.id, rows[-1][0])
    expected = spec.expect[0]
    if spec.status != "target":
        assert expected == spec.status.capitalize(), (spec.id, expected)
    else:
        check_rating(spec.id, round(rows[-1][2], spec.places), spec.target, spec.direction, expected)
    for _, _, v in rows:
        if spec.unit == "percent":
            assert 0 <= round(v, spec.places) <= 100, (spec.id, v)
        assert round(v, spec.places) >= 0, (spec.id, v)


def catalogue_entry(spec: Spec) -> dict:
    entry = {
        "id": spec.id,
        "title": spec.title,
        "direction": spec.direction,
        "unit": spec.unit,
        "status": spec.status,
        "decimals": spec.places,
        "frequency": spec.frequency,
        "committees": [COMMITTEE],
        "description": (
            "Synthetic indicator invented for demonstrating statistical process control (XmR charts), "
            f"not any council's figure; it {spec.demonstrates}."
        ),
    }
    if spec.rebase:
        entry["spc_rebase"] = list(spec.rebase)  # written as YAML dates: [2022-10-01]
    return entry


CATALOGUE_HEADER = f"""\
# SYNTHETIC DATA: invented for demonstrating statistical process control (XmR charts);
# not any council's figures.
#
# Generated by scripts/make_synthetic_spc_data.py (seed {SEED}). Do not edit by hand:
# change the script and run `.venv/bin/python scripts/make_synthetic_spc_data.py`.

"""


def readme(specs: list[Spec]) -> str:
    """data/synthetic-spc/README.md, with the table of designed results built from SPECS."""
    rows = []
    for s in specs:
        rating, variation, assurance, rules = s.expect
        target = "none" if s.target is None else f"{s.target:g}"
        latest = fmt(s.tail[-1], s.places) if s.tail else ""
        extra = f"; limits restart {', '.join(d.isoformat() for d in s.rebase)}" if s.rebase else ""
        rows.append(
            f"| {s.id} | {s.frequency} {s.unit}, {s.direction}, {s.points} points{extra} | {target} | "
            f"{latest} | {rating} | {variation} | {assurance} | {rules} |"
        )
    table = "\n".join(rows)
    return f"""\
# SYNTHETIC DATA — invented for demonstrating statistical process control; not any council's figures

Every figure in this folder is invented. The council, committee, indicators,
values, targets and comparator averages (statistical neighbours, England) do not
describe any real council or service. The titles say "(synthetic)" and each
indicator's description says so too, and says which behaviour of the XmR charts
it demonstrates.

The dataset exists so that the report for 2023-24-Q4 (January to March 2024,
ending 2024-03-31) can show every kind of statistical process control (SPC)
result next to the `ragb` rating, including the cases where the two disagree:
a Red rating that is only chance variation, and a Blue rating on a process that
has really declined. The committee that uses it is `params/synthetic-spc.yaml`.

## Files

- `indicators.yaml`: the catalogue, eleven indicators `SP01` to `SP11`, all for
  the committee `synthetic-spc`. `SP05` has `spc_rebase: [2022-10-01]`, so its
  process limits restart at October 2022.
- `observations.csv`: the observations, in the usual long format. Monthly
  indicators have month-end figures from April 2021 to March 2024 (36 points);
  quarterly ones have quarter-end figures, `SP10` from April–June 2022 (8
  points) and `SP11` from April–June 2023 (4 points). Targets are on every row
  of a target indicator. Statistical neighbour and England averages are on some
  indicators' latest row only.

All three files are written by `scripts/make_synthetic_spc_data.py`. Do not
edit them by hand.

## What each indicator demonstrates

As at March 2024, with the default SPC settings (limits from at least 6 points,
provisional below 12, moving ranges above 3.267 times their mean screened out,
shift and trend of 7 points). "Rules" are the special-cause rules that fire
anywhere in the series (for `SP05`, in either segment). Ratings use `ragb`,
where `d` is the relative deviation from target (positive is better): Red
`d < -0.10`, Amber `-0.10 <= d < 0`, Green `0 <= d <= 0.05`, Blue `d > 0.05`.
Every designed `d` is at least 0.01 away from a boundary.

| id | frequency, unit, direction, points | target | Mar 2024 | rating | variation | assurance | rules |
| --- | --- | --- | --- | --- | --- | --- | --- |
{table}

Earlier history is seeded random noise around a designed path: flat levels,
steps (`SP02`, and `SP05` at its rebase) and a falling slope (`SP03`). The
latest one to three values of each indicator are set by hand.

## How to regenerate

From the project root:

```sh
.venv/bin/python scripts/make_synthetic_spc_data.py
```

The script uses a fixed seed (`numpy.random.default_rng({SEED})`) and
overwrites the three files. The output is the same byte for byte on every run.
It checks that the latest values give the ratings in the table above, and stops
with an error if they do not. The SPC columns were checked with the project's
engine; after changing the `SPECS` list in the script, check them again:

```python
import reporting as rp
from reporting.measures.spc import xmr, spc_summary, SPCSettings
ds = rp.load_dataset("data/synthetic-spc")
cat = ds.catalogue.set_index("id")
obs = ds.observations.merge(cat["direction"], left_on="indicator_id", right_index=True)
points = xmr(obs, SPCSettings(), rebase={{i: d for i, d in cat["spc_rebase"].items() if d}})
targets = obs.groupby("indicator_id")["target"].last()
print(spc_summary(points, targets)[["indicator_id", "variation", "assurance"]])
```
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
    (OUT / "README.md").write_text(readme(SPECS), encoding="utf-8", newline="\n")
    print(f"wrote {OUT / 'README.md'}")


if __name__ == "__main__":
    main()
