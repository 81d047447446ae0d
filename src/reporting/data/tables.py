"""Read an observations file (CSV, XLSX or Parquet) into a table of text cells, in our words.

Anything that stops a file being read as it was meant (a folder, too big, empty, not UTF-8,
semicolons, ragged rows, a damaged workbook, formulas with no saved result) is raised as a
DataValidationError naming the file and what to do. Python's own errors never reach the user,
and no file content is quoted beyond the one offending cell.
"""

from __future__ import annotations

import codecs
import csv
import re
import stat
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from ..errors import DataValidationError, Problem
from .limits import DATA

HEAD_BYTES = 64 * 1024  # enough of the start of a file to recognise what kind of file it is
CHUNK_ROWS = 200_000  # rows of a CSV read at a time when only some of them are kept
MOST_LISTED = 20  # problems of one kind listed one by one before the rest are counted
SHEET = "observations"
SAVE_AS_CSV_UTF8 = "in Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)'"
SAVE_AS_XLSX = "open it in Excel and save it as 'Excel Workbook (.xlsx)'"
EXPORT_AGAIN = ("export the observations again: row 1 is the header (indicator_id,period_end,value,...) "
                "and each row below it is one indicator and period")
SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls, and password-protected workbooks
PARQUET_SIGNATURE = b"PAR1"
# A formula element (<f>, or <x:f> with a namespace prefix) in a worksheet's XML.
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Every cell as trimmed text (None when empty), and the offset from frame index to the row a user sees.

    Rows with nothing in them are dropped (their index is kept, so later rows keep their numbers).
    """
    head = _checked_head(path)
    if path.suffix == ".csv":
        cells, offset = _read_csv(path, head), 2  # the header is row 1
    elif path.suffix == ".xlsx":
        cells, offset = _read_xlsx(path, head), 2
    else:
        cells, offset = _read_parquet(path, head), 1
    cells = cells.dropna(how="all")
    if cells.empty:
        _refuse(path, "has no rows of data: it has column names but no observations under them, so nothing "
                      "was published; add one row per indicator and period")
    return cells, offset


def _refuse(path: Path, expected: str, row: int | None = None, column: str | None = None, value=None,
            row_name: str = "row") -> None:
    """Stop with one file-level problem (never chained to the Python error behind it)."""
    raise DataValidationError([Problem(str(path), row, column, value, expected, row_name)]) from None


def _checked_head(path: Path) -> bytes:
    """The first bytes of the file, once it is known to be a readable, non-empty file within the size limit."""
    try:
        status = path.stat()
    except FileNotFoundError:
        _refuse(path, "no such file: expected observations.csv, observations.xlsx or observations.parquet")
    except OSError as error:
        _refuse(path, f"cannot be read ({_os_reason(error)})")
    if stat.S_ISDIR(status.st_mode):
        _refuse(path, "this is a folder, not a file: the observations must be one file, observations.csv, "
                      "observations.xlsx or observations.parquet")
    if not stat.S_ISREG(status.st_mode):
        _refuse(path, "this is not an ordinary file (it may be a device or a pipe), so it was not read")
    DATA.check(path, status.st_size)
    try:
        with path.open("rb") as file:
            head = file.read(HEAD_BYTES)
    except PermissionError:
        _refuse(path, "cannot be read: permission denied; ask whoever manages the folder for read access, "
                      "or copy the file to a folder you can read")
    except OSError as error:
        _refuse(path, f"cannot be read ({_os_reason(error)})")
    if len(head) < HEAD_BYTES and not head.removeprefix(codecs.BOM_UTF8).strip():
        _refuse(path, f"is empty ({'only blank lines or spaces' if head else '0 bytes'}), so nothing was published; "
                      f"{EXPORT_AGAIN}")
    return head


def _looks_like_text(head: bytes) -> bool:
    """Whether the start of a file reads as UTF-8 text (a multi-byte character cut off at the end is allowed)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def _os_reason(error: OSError) -> str:
    """An operating-system error in words, without the exception's name."""
    return (error.strerror or "the system refused to open it").lower()


# CSV ------------------------------------------------------------------------------------------


def _read_csv(path: Path, head: bytes, keep=None) -> pd.DataFrame:
    """A CSV file's cells as text: UTF-8 (with or without a BOM), commas between cells, a header on line 1.

    With `keep` (a function from a chunk of untrimmed cells to the rows wanted of it), the file is read
    CHUNK_ROWS rows at a time and only the rows `keep` picks are trimmed and kept, so memory grows with
    them, not the file; rows keep their positions in the file as their index either way.
    """
    _check_csv_head(path, head)
    options = dict(dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig", skip_blank_lines=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a warning about lost cells is an error here
            # Only an empty cell is missing: "n/a" or "NA" must be reported, not silently dropped.
            # Blank lines are kept (then dropped as empty rows) so rows keep the numbers Excel shows.
            if keep is None:
                frame = _in_place(path, pd.read_csv(path, **options))
            else:
                with pd.read_csv(path, chunksize=CHUNK_ROWS, **options) as chunks:
                    frame = pd.concat([keep(_in_place(path, chunk)) for chunk in chunks] or [pd.DataFrame(dtype=object)])
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except pd.errors.EmptyDataError:
        _refuse(path, f"is empty (only blank lines or spaces), so nothing was published; {EXPORT_AGAIN}")
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        raise _unreadable_csv(path) from None
    except PermissionError:
        _refuse(path, "cannot be read: permission denied; ask whoever manages the folder for read access")
    except OSError as error:
        _refuse(path, f"cannot be read ({_os_reason(error)})")
    return _each_column(frame, _trimmed)


def _in_place(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame pandas read, checked to have rows numbered in order, with its column names trimmed."""
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the first cells as row labels when the first row is longer than the header.
        raise _unreadable_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _each_column(frame: pd.DataFrame, convert) -> pd.DataFrame:
    """`convert` applied to each column (a frame even when there are no rows)."""
    return pd.DataFrame({name: convert(frame[name]) for name in frame.columns}, index=frame.index, dtype=object)


def _trimmed(column: pd.Series) -> pd.Series:
    """A column of text cells trimmed of spaces; None where empty (vectorised)."""
    text = column.str.strip()
    return text.astype(object).where(text.notna() & text.ne(""), None)


def _check_csv_head(path: Path, head: bytes) -> None:
    """Refuse a file that is not UTF-8 CSV text at all, or whose header is separated by something other than commas."""
    if head.startswith(ZIP_SIGNATURE):
        _refuse(path, "is an Excel workbook (or another zip file), not CSV text: rename it observations.xlsx "
                      f"if it is a workbook, or {SAVE_AS_CSV_UTF8}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_like_utf16(head):
        _refuse(path, f"is saved as UTF-16, but observations must be UTF-8: {SAVE_AS_CSV_UTF8}")
    if b"\x00" in head:
        _refuse(path, f"is not CSV text (it holds binary data); {SAVE_AS_CSV_UTF8}")
    header = head.removeprefix(codecs.BOM_UTF8).split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if "," not in header:
        counts = {name: header.count(mark) for mark, name in SEPARATORS.items() if mark in header}
        if counts:
            name = max(counts, key=counts.get)
            _refuse(path, f"the columns are separated by {name}; use commas: {SAVE_AS_CSV_UTF8}", row=1)


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: one byte of every pair is zero for plain English text."""
    sample = head[:200]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) > len(sample) // 4 and min(even, odd) == 0


def _not_utf8(path: Path) -> DataValidationError:
    """The first line with a byte that is not UTF-8: its line number, the byte, and the cell it is in."""
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return _bad_byte(path, number, line, error.start)
    return DataValidationError([Problem(str(path), None, None, None, f"is not UTF-8 text; {SAVE_AS_CSV_UTF8}")])


def _bad_byte(path: Path, number: int, line: bytes, at: int) -> DataValidationError:
    """The problem for a byte that is not UTF-8, shown as Windows-1252 (what Excel's plain 'CSV' saves) would read it."""
    byte = line[at]
    as_windows = bytes([byte]).decode("cp1252", errors="replace")
    # Windows-1252 has one character per byte, so the byte's position is its character's position.
    text = line.decode("cp1252", errors="replace").rstrip("\r\n")
    cells = next(csv.reader([text]), [])
    index = len(next(csv.reader([text[:at]]), [""])) - 1
    column = value = None
    if 0 <= index < len(cells):
        value = cells[index].strip()
        if number > 1:
            header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", encoding_errors="replace").columns
            column = str(header[index]).strip() if index < len(header) else None
    looks = f" (in Windows-1252, {as_windows!r})" if as_windows != "\ufffd" else ""
    expected = (
        f"the byte 0x{byte:02X}{looks} is not UTF-8: the file was saved in an older encoding. "
        f"Save it as UTF-8: {SAVE_AS_CSV_UTF8}, or save it from a text editor with the encoding 'UTF-8'"
    )
    return DataValidationError([Problem(str(path), number, column, value, expected, "line")])


def _unreadable_csv(path: Path) -> DataValidationError:
    """Why pandas could not parse the file: rows with more cells than the header, or a quote never closed."""
    long: list[tuple[int, int, str]] = []
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as file:
        rows = csv.reader(file)
        width = len(next(rows, []))
        number = 1
        try:
            for number, cells in enumerate(rows, start=2):
                if len(cells) > width:
                    long.append((number, len(cells), _extra_cells_advice(cells[width:])))
        except csv.Error:  # a quote left open swallows the rest of the file into one huge cell
            return _open_quote(path, number + 1)
    if long:
        return DataValidationError(_listed([
            Problem(str(path), number, None, None, f"has {cells} cells but the header has {width}; {advice}")
            for number, cells, advice in long
        ], path, "more rows have more cells than the header"))
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as file:
        rows = csv.reader(file, strict=True)
        number = 0
        try:
            for number, _ in enumerate(rows, start=1):
                pass
        except csv.Error as error:
            if "end of data" in str(error):
                return _open_quote(path, number + 1)
            return DataValidationError([Problem(
                str(path), number + 1, None, None,
                'a double quote (") is out of place: a cell with a quote in it must be wrapped in double quotes, '
                'with each quote inside it doubled ("")',
            )])
    return DataValidationError([Problem(str(path), None, None, None, f"cannot be read as CSV; {SAVE_AS_CSV_UTF8}")])


def _extra_cells_advice(extra: list[str]) -> str:
    """What to do about cells beyond the header: a stray comma at the end, or a value with a comma in it."""
    if not any(cell.strip() for cell in extra):
        return "the extra cells are empty, so remove the comma at the end of the row (or name the column in the header)"
    return "put double quotes around a value that contains a comma, or remove the extra cell"


def _open_quote(path: Path, row: int) -> DataValidationError:
    """A double quote that opens a cell and is never closed."""
    return DataValidationError([Problem(
        str(path), row, None, None,
        'a double quote (") starts a cell in this row and is never closed, so the rest of the file reads as one '
        "cell; close the quote, or remove it",
    )])


def _listed(problems: list[Problem], path: Path, more: str) -> list[Problem]:
    """The first MOST_LISTED problems, then one line counting the rest."""
    if len(problems) <= MOST_LISTED:
        return problems
    rest = len(problems) - MOST_LISTED
    return problems[:MOST_LISTED] + [Problem(str(path), None, None, None, f"and {rest:,} {more}")]


# XLSX -----------------------------------------------------------------------------------------


def _read_xlsx(path: Path, head: bytes) -> pd.DataFrame:
    """The `observations` sheet's cells as text, with each formula's saved result; refused if a formula has none."""
    if head.startswith(OLE_SIGNATURE):
        _refuse(path, "is not an .xlsx workbook: it is an Excel 97-2003 (.xls) file or a password-protected "
                      f"workbook; {SAVE_AS_XLSX}, with no password")
    if not head.startswith(ZIP_SIGNATURE):
        if _looks_like_text(head):
            _refuse(path, "is text, not an Excel workbook (.xlsx): if it is CSV, rename it observations.csv; "
                          f"otherwise {SAVE_AS_XLSX}")
        _refuse(path, f"is not an Excel workbook (.xlsx): the file is damaged or is another kind of file; {SAVE_AS_XLSX}")
    values, part = _sheet_values(path, data_only=True)
    if not any(values):
        _refuse(path, f"the sheet {SHEET} is empty, so nothing was published; put the header on row 1 and the "
                      "observations under it")
    header = _header(values[0])
    if part is None or _has_formulas(path, part):
        problems = _formulas_without_results(path, values, header)
        if problems:
            raise DataValidationError(_listed(problems, path, "more formula cells have no saved result"))
    frame = pd.DataFrame(values[1:], columns=header, dtype=object)
    unused = [name for name in header if name.startswith("Unnamed: ") and frame[name].isna().all()]
    return _each_column(frame.drop(columns=unused), _as_text_column)


def _open_workbook(path: Path, data_only: bool):
    """The workbook, read-only, and its observations sheet; refused when it cannot be opened or has no such sheet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on unsupported Excel features
            book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except PermissionError:
        _refuse(path, "cannot be read: permission denied; ask whoever manages the folder for read access")
    except _XLSX_ERRORS:
        _refuse(path, f"cannot be opened as an Excel workbook (.xlsx): the file is damaged or incomplete; {SAVE_AS_XLSX}")
    if SHEET not in book.sheetnames:
        names = ", ".join(repr(n) for n in book.sheetnames)
        book.close()
        _refuse(path, f"needs a sheet named 'observations'; the workbook has {names}: rename the sheet that "
                      "holds the observations to observations")
    return book, book[SHEET]


# What openpyxl raises for a damaged or foreign file (SyntaxError covers malformed XML).
_XLSX_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, InvalidFileException, KeyError, ValueError, TypeError,
                IndexError, AttributeError, EOFError, OSError, SyntaxError)


def _sheet_values(path: Path, data_only: bool) -> tuple[list[tuple], str | None]:
    """Every row of the observations sheet from row 1, as cell values padded to one width (gaps become
    empty rows), and the sheet's part name inside the zip (None if openpyxl does not say)."""
    book, sheet = _open_workbook(path, data_only)
    try:
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row that is there
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            rows = [tuple(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    except _XLSX_ERRORS:
        _refuse(path, f"cannot be read as an Excel workbook (.xlsx): the sheet {SHEET} is damaged; {SAVE_AS_XLSX}")
    finally:
        book.close()
    width = max(map(len, rows), default=0)
    padded = [row if len(row) == width else row + (None,) * (width - len(row)) for row in rows]
    return padded, getattr(sheet, "_worksheet_path", None)


def _header(row: tuple) -> list[str]:
    """Column names from row 1: trimmed text, 'Unnamed: N' when blank, '.1', '.2' added to repeats (as pandas does)."""
    names: list[str] = []
    for number, cell in enumerate(row):
        name = str(cell).strip() if cell is not None and str(cell).strip() else f"Unnamed: {number}"
        base, count = name, 0
        while name in names:
            count += 1
            name = f"{base}.{count}"
        names.append(name)
    return names


def _has_formulas(path: Path, part: str) -> bool:
    """Whether the sheet's XML holds any formula: a byte scan, far faster than building every cell."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as xml:
            tail = b""
            while chunk := xml.read(1 << 20):
                if FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    except _XLSX_ERRORS:
        return True  # cannot tell cheaply: look at every cell
    return False


def _formulas_without_results(path: Path, values: list[tuple], header: list[str]) -> list[Problem]:
    """Formula cells under the header with no saved result (a file written by a program, never saved in Excel).

    A formula whose saved result is empty text (=IF(A2="","",A2) in Excel) is a missing value, not a problem.
    """
    formulas, _ = _sheet_values(path, data_only=False)
    missing = [
        (row, column, formula)
        for row, cells in enumerate(formulas[1:], start=2)
        for column, formula in enumerate(cells, start=1)
        if _is_formula(formula) and _cell(values, row, column) is None
    ]
    if not missing:
        return []
    empty_text = _empty_text_results(path, {(row, column) for row, column, _ in missing})
    problems = []
    for row, column, formula in missing:
        if (row, column) in empty_text:
            continue
        letter = get_column_letter(column)
        name = header[column - 1] if column <= len(header) else ""
        name = f"column {letter}" if not name or name.startswith("Unnamed: ") else name
        problems.append(Problem(
            str(path), row, name, _formula_text(formula),
            f"sheet {SHEET}, cell {letter}{row}: a formula with no saved result (the file was written by a program "
            "and never saved in Excel); open the file in Excel and save it, or paste the values in place of the formulas",
        ))
    return problems


def _is_formula(value) -> bool:
    """A formula as openpyxl reads it without results: text starting '=', or an array or data-table formula."""
    return (isinstance(value, str) and value.startswith("=")) or isinstance(value, (ArrayFormula, DataTableFormula))


def _formula_text(value) -> str:
    """The formula as the user typed it, e.g. '=B7*2'."""
    text = getattr(value, "text", value)
    return text if isinstance(text, str) else "a data table formula"


def _cell(values: list[tuple], row: int, column: int):
    """The value at a 1-based row and column of the sheet, None beyond its edges."""
    if row > len(values) or column > len(values[row - 1]):
        return None
    return values[row - 1][column - 1]


def _empty_text_results(path: Path, cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of `cells` whose saved result is empty text: Excel marks them as text (t="str") with an empty value."""
    book, sheet = _open_workbook(path, data_only=True)
    rows = [row for row, _ in cells]
    try:
        sheet.reset_dimensions()
        return {
            (cell.row, cell.column)
            for line in sheet.iter_rows(min_row=min(rows), max_row=max(rows))
            for cell in line
            if getattr(cell, "data_type", None) == "str" and (getattr(cell, "row", None), getattr(cell, "column", None)) in cells
        }
    except _XLSX_ERRORS:
        return set()
    finally:
        book.close()


# Parquet --------------------------------------------------------------------------------------


@contextmanager
def _parquet_read_errors(path: Path):
    """A Parquet file that cannot be read, refused in words an analyst can act on."""
    try:
        yield
    except PermissionError:
        _refuse(path, "cannot be read: permission denied; ask whoever manages the folder for read access")
    except (pa.ArrowException, OSError, ValueError):
        _refuse(path, "cannot be read as Parquet: the file is damaged or incomplete; write it again, "
                      "e.g. with pandas DataFrame.to_parquet, or use observations.csv")


def _read_parquet(path: Path, head: bytes) -> pd.DataFrame:
    """A Parquet file's cells as text; real dates and numbers become their text form."""
    if not head.startswith(PARQUET_SIGNATURE):
        kind = "text (perhaps CSV renamed .parquet)" if _looks_like_text(head) else "damaged or another kind of file"
        _refuse(path, f"is not a Parquet file: it is {kind}; write it again as Parquet "
                      "(e.g. with pandas DataFrame.to_parquet), or save it as observations.csv")
    with _parquet_read_errors(path):
        frame = pd.read_parquet(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = range(len(frame))
    return _each_column(frame, _as_text_column)


# Cells as text --------------------------------------------------------------------------------


def _as_text_column(column: pd.Series) -> pd.Series:
    """A column as trimmed text, None where empty; vectorised when the column holds one kind of value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    kind = pd.api.types.infer_dtype(column, skipna=True)
    try:
        if kind == "empty":
            return pd.Series(None, index=column.index, dtype=object)
        if kind == "string":
            return _trimmed(column)
        if kind in ("datetime64", "datetime", "date"):
            text = format_dates(pd.to_datetime(column), "%Y-%m-%d")
        elif kind == "integer":
            text = column.astype("Int64").astype(str)
        elif kind == "floating":
            text = column.astype(float).astype(str)
        else:
            return column.map(_as_text).astype(object)
    except (ValueError, TypeError, OverflowError):  # e.g. dates beyond pandas' range: one cell at a time
        return column.map(_as_text).astype(object)
    return text.astype(object).where(column.notna(), None)


def format_dates(dates: pd.Series, form: str) -> pd.Series:
    """Dates as text in `form`, formatting each distinct date once (a long series repeats few dates)."""
    distinct = pd.DatetimeIndex(dates.dropna().unique())
    return dates.map(dict(zip(distinct, distinct.strftime(form))))


def _as_text(value) -> str | None:
    """One cell as trimmed text; dates as YYYY-MM-DD."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    text = str(value).strip()
    return text or None
