"""UK local-government financial quarters (2023-24-Q3 is October to December 2023) and a run's produced-on date.

Everything else stands on these: inputs name quarters, measures select values as at one, documents print
its label, and a run stamps its date into every output.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .errors import DateError, QuarterError

_QUARTER_ID = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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
        last_month = self.start.month + 2  # a quarter is three months; the day before the next month starts
        after = date(self.start.year + (last_month == 12), last_month % 12 + 1, 1)
        return after - timedelta(days=1)

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
        first, last = self.start, self.end
        return f"{first:%B} to {last:%B %Y}" if first.year == last.year else f"{first:%B %Y} to {last:%B %Y}"

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The financial quarter a day falls in: 31 December 2023 is in 2023-24-Q3, 31 March 2024 in 2023-24-Q4."""
        number = (day.month - 4) % 12 // 3 + 1
        return cls(day.year - (1 if number == 4 else 0), number)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.start_year - 1, 4)
        return Quarter(self.start_year, self.number - 1)

    def __str__(self) -> str:
        return self.id


def produced_on(value: str | date | None = None) -> date:
    """The report's produced-on date: the given date, else SOURCE_DATE_EPOCH (reproducible builds), else today.

    Raises DateError, naming the value and what was expected, for a date that is not YYYY-MM-DD or not in
    the calendar, or a SOURCE_DATE_EPOCH that is not a whole number of seconds.
    """
    if isinstance(value, date):
        return value
    if value:
        return _calendar_day(str(value))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise DateError(
                f"SOURCE_DATE_EPOCH is {epoch!r}: expected a whole number of seconds since 1 January 1970, "
                "e.g. 1709510400 for 4 March 2024, or unset it to use --produced-on or today."
            ) from None
    return date.today()


def _calendar_day(text: str) -> date:
    """A date written YYYY-MM-DD that is in the calendar; DateError otherwise."""
    try:
        if _DAY.match(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        raise DateError(f"The produced-on date {text!r} is not in the calendar: give a real day, written YYYY-MM-DD.") from None
    raise DateError(f"The produced-on date {text!r} is not a date: write it YYYY-MM-DD, e.g. 2024-03-04.")


def current_quarter(today: date) -> Quarter:
    """The quarter that ended most recently before `today`: the one before the quarter `today` falls in, which
    has not ended yet (on 31 March 2024, the last day of 2023-24-Q4, that is 2023-24-Q3; on 1 April, 2023-24-Q4)."""
    return Quarter.containing(today).previous()


def epoch_seconds(day: date | str) -> str:
    """SOURCE_DATE_EPOCH for a day: its midnight (UTC) in seconds since 1970, as text."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return str(int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()))


@contextmanager
def source_date_epoch(day: date | str | None):
    """Set SOURCE_DATE_EPOCH to the produced-on date while a document is written, unless already set.

    Font subsetting stamps the current time into each embedded font; with the epoch set it stamps
    the produced-on date instead, so the same inputs give a byte-identical PDF.
    """
    if not day or os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = epoch_seconds(day)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
