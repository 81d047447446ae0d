"""Our exceptions. Each message says what is wrong, where, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass


class ReportingError(Exception):
    """Base class for every error the workbook raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is, what was found, what was expected."""

    file: str
    row: int | None
    column: str | None
    value: object
    expected: str
    row_name: str = "row"  # "row" in a table, "entry" in the YAML catalogue

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"{self.row_name} {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        found = "" if self.value is None else f"{self.value!r}: "
        return f"{', '.join(where)}: {found}{self.expected}"


class DataValidationError(ReportingError):
    """The dataset breaks the data contract. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"The data has {count} problem{'s' if count != 1 else ''}; "
            f"nothing was published. Fix these and run again:\n{lines}"
        )


class InputFileError(DataValidationError):
    """An input file cannot be read safely: outside the project, too big, not UTF-8 text or not valid
    YAML. Its message names the file (and line), never the file's contents."""

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.problem = problem


class SettingsError(ReportingError):
    """An environment setting (REPORTING_...) has a value that cannot be used."""


class ParamsError(ReportingError):
    """A committee's params file is missing, unreadable or has a bad setting."""


class QuarterError(ReportingError, ValueError):
    """A quarter id is not of the form YYYY-YY-QN."""


class SchemeError(ReportingError):
    """An unknown rating scheme or an invalid scheme setting."""


class NotebookExecutionError(ReportingError):
    """The report notebook failed while running; points at the failing cell and the kept notebook."""


class RenderError(ReportingError):
    """HTML or PDF rendering failed."""


class CommentaryError(ReportingError):
    """Commentary is incomplete and the run was asked to be strict about it."""


class AuditUnavailableError(ReportingError):
    """The accessibility audit cannot run here: Chromium or Playwright is missing. Says what to install."""


class UsageError(ReportingError):
    """The command asks for something that does not exist or cannot be done here (an unknown committee, Quarto
    where it is not installed, a date that is not a date): nothing was run. The command line exits with status 2."""


class DateError(ReportingError, ValueError):
    """A date the run was given (--produced-on, SOURCE_DATE_EPOCH) cannot be read; says what was expected."""


class NoNewDataError(ReportingError):
    """No KPI has a figure in the quarter asked for, and the run was asked to be strict about it."""
