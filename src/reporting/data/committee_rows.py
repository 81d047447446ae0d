"""Only a committee's rows of an observations file, read without holding the rest in memory.

A committee of 3 KPIs needs 300 rows of a file of 2,000,000: this module reads the file in
batches and keeps the rows whose indicator id (trimmed, as validation reads it) is one of the
committee's, as the same text cells `tables.read_table` gives, each indexed by its position in the
file, so a problem is still reported at the row the user sees. The file-level checks (a readable
file, UTF-8 CSV with commas, a damaged workbook, no rows at all) are the same as for a whole read.

- CSV is parsed by pyarrow in batches when every row is regular (as many cells as the header); a
  file it cannot parse (short or long rows, a stray quote, bytes that are not UTF-8) is read by
  pandas in chunks instead, which also explains what is wrong in the same words as a whole read.
  A large CSV's cells are kept in a columnar cache (`cache.py`) so the next read does not parse it.
- Parquet is read in batches with pyarrow; XLSX whole (workbooks are small), then filtered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from . import cache as cached
from .tables import (
    _as_text_column, _check_csv_head, _checked_head, _each_column, _parquet_read_errors, _read_csv, _read_parquet, _refuse,
    _trimmed,
    read_table,
)

BLOCK_BYTES = 8 * 1024 * 1024  # of a CSV parsed at a time by each of pyarrow's threads
PARQUET_BATCH_ROWS = 256 * 1024
NO_ROWS = ("has no rows of data: it has column names but no observations under them, so nothing was published; "
           "add one row per indicator and period")


class _Irregular(Exception):
    """The CSV is not one pyarrow reads exactly as pandas does: read it the careful way."""


def read_rows(path: Path, indicators: Iterable[str], cache_folder: Path | None = None) -> tuple[pd.DataFrame, int]:
    """The cells of the rows of `indicators`, as `read_table` gives them (trimmed text, None when empty,
    indexed so that index + offset is the row a user sees), and that offset. `cache_folder`, when given,
    holds the columnar cache of large CSV files."""
    wanted = frozenset(str(i) for i in indicators)
    head = _checked_head(path)
    if path.suffix == ".csv":
        cells, has_rows = _csv_rows(path, head, wanted, cache_folder)
        offset = 2  # the header is row 1
    elif path.suffix == ".parquet":
        cells, has_rows = _parquet_rows(path, head, wanted)
        offset = 1
    else:  # a workbook is read whole (openpyxl reads every cell anyway), then filtered
        every, offset = read_table(path)
        return every[_ids(every).isin(wanted)], offset
    cells = cells.dropna(how="all")
    if not has_rows:
        _refuse(path, NO_ROWS)
    return cells, offset


def _ids(cells: pd.DataFrame) -> pd.Series:
    """The indicator id of each row, as validation reads it (None where there is no such column)."""
    if "indicator_id" not in cells:
        return pd.Series(None, index=cells.index, dtype=object)
    return cells["indicator_id"]


# CSV ------------------------------------------------------------------------------------------


def _csv_rows(path: Path, head: bytes, wanted: frozenset[str], cache_folder: Path | None) -> tuple[pd.DataFrame, bool]:
    """The committee's rows of a CSV, and whether the file has any row of data at all."""
    _check_csv_head(path, head)
    entry = cached.Entry.of(path, cache_folder)
    if entry is not None:
        found = entry.read(wanted)
        if found is not None:
            table, has_rows = found
            return _cells(table), has_rows
    try:
        table, has_rows = _parse_csv(path, head, wanted, entry)
    except _Irregular:
        return _careful_csv(path, head, wanted)
    return _cells(table), has_rows


def _header(head: bytes) -> list[str] | None:
    """The header's cells as written, when the start of the file holds the whole header line."""
    text = head.decode("utf-8-sig", errors="replace")
    if "\n" not in text:
        return None
    try:
        return next(csv.reader(io.StringIO(text)), None)
    except csv.Error:
        return None


def _parse_csv(path: Path, head: bytes, wanted: frozenset[str], entry: cached.Entry | None) -> tuple[pa.Table, bool]:
    """Parse the whole file with pyarrow, keeping the committee's rows (and writing every row to the cache).
    Raises _Irregular for anything pyarrow might read differently from pandas; nothing is cached then."""
    header = _header(head)
    names = [name.strip() for name in header or []]
    if not names or "" in names or len(set(names)) != len(names) or "indicator_id" not in names:
        raise _Irregular  # pandas names or renames such columns ("Unnamed: 2", "value.1"): its way is the rule
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[]),
        )
    except (pa.ArrowException, OSError, ValueError):
        raise _Irregular from None
    if reader.schema.names != header or any(t != pa.string() for t in reader.schema.types):
        raise _Irregular
    writer = entry.writer(names) if entry is not None else None
    kept: list[pa.RecordBatch] = []
    row = 0
    has_rows = False
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            batch = pa.RecordBatch.from_arrays(batch.columns, names=names)
            keys = _keys(batch.column(names.index("indicator_id")))
            rows = pa.array(range(row, row + batch.num_rows), pa.int64())
            row += batch.num_rows
            has_rows = has_rows or _any_cell(batch)
            if writer is not None:
                writer.write(batch, rows, keys)
            mask = pc.is_in(keys, value_set=pa.array(sorted(wanted), pa.string()))
            if pc.any(mask).as_py():
                kept.append(pa.RecordBatch.from_arrays([*batch.columns, rows], names=[*names, cached.ROW]).filter(mask))
    except (pa.ArrowException, OSError, ValueError):
        if writer is not None:
            writer.discard()
        raise _Irregular from None
    schema = pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field(cached.ROW, pa.int64())])
    if writer is not None:
        writer.commit(has_rows)
    return pa.Table.from_batches(kept, schema), has_rows


def _keys(ids: pa.Array) -> pa.Array:
    """Each row's indicator id trimmed as Python trims it (so exactly as validation reads it), null when empty.
    Each distinct id is trimmed once: a file has few ids and many rows."""
    encoded = pc.dictionary_encode(ids)
    stripped = [None if v is None or not v.strip() else v.strip() for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(stripped, pa.string()), encoded.indices)


def _any_cell(batch: pa.RecordBatch) -> bool:
    """Whether any cell of the batch has something in it besides spaces."""
    return any(pc.any(pc.not_equal(pc.utf8_trim_whitespace(column), "")).as_py() for column in batch.columns)


def _cells(table: pa.Table) -> pd.DataFrame:
    """The rows as `tables._read_csv` gives them: trimmed text, None where empty, indexed by position in the file."""
    rows = table.column(cached.ROW).to_numpy()
    frame = table.drop_columns([cached.ROW]).to_pandas()
    frame.index = pd.Index(rows)
    return _each_column(frame, _trimmed)


def _careful_csv(path: Path, head: bytes, wanted: frozenset[str]) -> tuple[pd.DataFrame, bool]:
    """The committee's rows as pandas reads them, chunk by chunk; a file it cannot read is explained as for a whole read."""
    seen = {"rows": False}

    def keep(chunk: pd.DataFrame) -> pd.DataFrame:
        if not seen["rows"]:
            seen["rows"] = not _each_column(chunk, _trimmed).dropna(how="all").empty
        if "indicator_id" not in chunk:
            return chunk.iloc[0:0]
        return chunk[chunk["indicator_id"].str.strip().isin(wanted)]

    cells = _read_csv(path, head, keep)
    return cells, seen["rows"]


# Parquet --------------------------------------------------------------------------------------


def _parquet_rows(path: Path, head: bytes, wanted: frozenset[str]) -> tuple[pd.DataFrame, bool]:
    """The committee's rows of a Parquet file, read a batch at a time; the rest as `tables._read_parquet` refuses it."""
    with _parquet_read_errors(path):
        file = pq.ParquetFile(path)
        schema = file.schema_arrow
        index_columns = [c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)]
        if "indicator_id" not in [str(n).strip() for n in schema.names if n not in index_columns]:
            every = _read_parquet(path, head)  # no ids: validation says the column is missing
            return every.iloc[0:0], not every.dropna(how="all").empty
        column = next(n for n in schema.names if str(n).strip() == "indicator_id" and n not in index_columns)
        kept, start, has_rows = [], 0, False
        for batch in file.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            has_rows = has_rows or _any_value(batch, index_columns)
            encoded = pc.dictionary_encode(batch.column(column))
            texts = _as_text_column(encoded.dictionary.to_pandas())
            chosen = [i for i, text in enumerate(texts) if text in wanted]
            mask = pc.is_in(encoded.indices, value_set=pa.array(chosen, encoded.indices.type))
            positions = pc.filter(pa.array(range(start, start + batch.num_rows), pa.int64()), mask)
            start += batch.num_rows
            if len(positions):
                kept.append((batch.filter(mask), positions))
        table = pa.Table.from_batches([b for b, _ in kept], schema)
        frame = table.to_pandas()
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.Index([p for _, positions in kept for p in positions.to_pylist()], dtype="int64")
    return _each_column(frame, _as_text_column), has_rows


def _any_value(batch: pa.RecordBatch, index_columns: list[str]) -> bool:
    """Whether any cell of the batch (its index columns aside) has a value: text besides spaces, or any other."""
    for name, column in zip(batch.schema.names, batch.columns):
        if name in index_columns:
            continue
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            found = pc.any(pc.not_equal(pc.utf8_trim_whitespace(column), ""))
        else:
            found = pc.any(pc.is_valid(column))
        if found.as_py():
            return True
    return False
