"""UK local-government financial quarters and as-at selection of KPI values."""

from __future__ import annotations

from contextlib import contextmanager

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd

from .errors import QuarterError
from .spc import POINT_COLUMNS

_QUARTER_ID = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")
# Financial year quarters start in April: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar.
_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter such as 2023-24-Q3 (October to December 2023)."""

    start_year: int  # calendar year in which the financial year starts
    number: int

    @classmethod
    def parse(cls, quarter_id: str | Quarter) -> Quarter:
        """Read a quarter id like '2023-24-Q3'; raise QuarterError with an example otherwise."""
        if isinstance(quarter_id, Quarter):
            return quarter_id
        match = _QUARTER_ID.match(str(quarter_id).strip())
        if not match:
            raise QuarterError(
                f"Quarter {quarter_id!r} is not a quarter id. Write it as YYYY-YY-QN, "
                "for example 2023-24-Q3 for October to December 2023."
            )
        start, end_two, number = int(match[1]), int(match[2]), int(match[3])
        if (start + 1) % 100 != end_two:
            raise QuarterError(
                f"Quarter {quarter_id!r}: the financial year {start}-{end_two:02d} does not run "
                f"over consecutive years. Did you mean {start}-{(start + 1) % 100:02d}-Q{number}?"
            )
        return cls(start, number)

    @property
    def id(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.number}"

    @property
    def start(self) -> date:
        year = self.start_year + (1 if self.number == 4 else 0)
        return date(year, _FIRST_MONTH[self.number], 1)

    @property
    def end(self) -> date:
        return (pd.Timestamp(self.start) + pd.offsets.QuarterEnd(startingMonth=3)).date()

    @property
    def financial_year(self) -> str:
        """The year as councils write it, e.g. '2023/24'."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """e.g. 'Quarter 3, 2023/24'."""
        return f"Quarter {self.number}, {self.financial_year}"

    @property
    def short_label(self) -> str:
        """e.g. 'Q3 2023/24'."""
        return f"Q{self.number} {self.financial_year}"

    @property
    def months(self) -> str:
        """The months covered, e.g. 'October to December 2023'."""
        first = pd.Timestamp(self.start)
        last = pd.Timestamp(self.end)
        return f"{first:%B} to {last:%B %Y}" if first.year == last.year else f"{first:%B %Y} to {last:%B %Y}"

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.start_year - 1, 4)
        return Quarter(self.start_year, self.number - 1)

    def __str__(self) -> str:
        return self.id


def as_at(observations: pd.DataFrame, quarter: str | Quarter) -> pd.DataFrame:
    """Each indicator's current and previous observation as at the end of a quarter.

    Current is the latest observation on or before the quarter end; previous the one
    before it. Targets and comparators are carried forward from earlier periods when the
    current row leaves them empty (benchmarks are published less often than the data).
    An indicator is `updated_this_quarter` when its current period ends inside the quarter.
    """
    q = Quarter.parse(quarter)
    end = pd.Timestamp(q.end)
    upto = observations[observations["period_end"] <= end].sort_values(["indicator_id", "period_end"])
    carried = ["target", "stat_neighbour_mean", "england_mean", "regional_mean"]
    upto = upto.assign(**{c: upto.groupby("indicator_id", sort=False)[c].ffill() for c in carried})
    grouped = upto.groupby("indicator_id", sort=False)
    current = grouped.nth(-1).set_index("indicator_id")
    previous = grouped.nth(-2).set_index("indicator_id")
    result = current.rename(columns={"value": "current"})
    result["previous"] = previous["value"].reindex(result.index)
    result["previous_period_label"] = previous["period_label"].reindex(result.index)
    result["previous_period_end"] = previous["period_end"].reindex(result.index)
    result["updated_this_quarter"] = result["period_end"] >= pd.Timestamp(q.start)
    result = result.reset_index()
    return result.join(year_earlier(upto, result))


# How far from exactly twelve months before a period's end an observation may end and still
# count as "12 months earlier" (months differ in length; a census day moves a little).
YEAR_EARLIER_TOLERANCE = pd.Timedelta(days=16)


def year_earlier(observations: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """For each current row, the observation of the same indicator ending about 12 months earlier:
    its value, label and England mean (`year_earlier`, `year_earlier_period_label`,
    `england_mean_year_earlier`); empty where there is none."""
    wanted = current[["indicator_id", "period_end"]].astype({"indicator_id": object})
    wanted["_row"] = range(len(wanted))
    wanted["_when"] = wanted["period_end"] - pd.DateOffset(years=1)
    wanted = wanted.dropna(subset=["_when"]).sort_values("_when")
    earlier = observations[["indicator_id", "period_end", "value", "period_label", "england_mean"]].dropna(subset=["period_end"])
    earlier = earlier.astype({"indicator_id": object})
    earlier = earlier.rename(columns={"period_end": "_when", "value": "year_earlier", "period_label": "year_earlier_period_label", "england_mean": "england_mean_year_earlier"})
    matched = pd.merge_asof(
        wanted, earlier.sort_values("_when"), on="_when", by="indicator_id", direction="nearest", tolerance=YEAR_EARLIER_TOLERANCE
    )
    columns = ["year_earlier", "year_earlier_period_label", "england_mean_year_earlier"]
    return matched.set_index("_row")[columns].reindex(range(len(current))).set_axis(current.index)


def history(observations: pd.DataFrame, indicator_id: str, quarter: str | Quarter, periods: int = 24, spc: pd.DataFrame | None = None) -> pd.DataFrame:
    """One indicator's observations up to the quarter end, the most recent `periods` of them, oldest first;
    with `spc` (the points from `spc_points`), each row also carries its XmR mean, limits and flags."""
    end = pd.Timestamp(Quarter.parse(quarter).end)
    rows = observations[(observations["indicator_id"] == indicator_id) & (observations["period_end"] <= end)]
    rows = rows.sort_values("period_end").tail(periods).reset_index(drop=True)
    if spc is None:
        return rows
    mine = spc.loc[spc["indicator_id"] == indicator_id, ["period_end", *POINT_COLUMNS]]
    return rows.merge(mine, on="period_end", how="left", validate="one_to_one")


def produced_on(value: str | date | None = None) -> date:
    """The report's produced-on date: the given date, else SOURCE_DATE_EPOCH (reproducible builds), else today."""
    if isinstance(value, date):
        return value
    if value:
        return date.fromisoformat(str(value))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()


@contextmanager
def source_date_epoch(day: date | str | None):
    """Set SOURCE_DATE_EPOCH to the produced-on date while a document is written, unless already set.

    Font subsetting stamps the current time into each embedded font; with the epoch set it stamps
    the produced-on date instead, so the same inputs give a byte-identical PDF.
    """
    if not day or os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    day = date.fromisoformat(day) if isinstance(day, str) else day
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
