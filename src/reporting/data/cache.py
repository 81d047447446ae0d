"""A columnar copy of a large CSV observations file, so a later read need not parse it again.

`<project>/.cache/observations/<sha256 of the file>-v<FORMAT>.parquet` holds every row of the file
as it was parsed: each cell's text as written, the row's position in the file (`__row`) and its
indicator id as validation reads it (`__key`), so any committee's rows are read from it with a
pyarrow filter. It is the file's cells, not a verdict on them: the rows a load uses are validated
each time (against the catalogue of the day), which for a committee's rows takes milliseconds.

The name is the hash of the file's content, so an edited file never meets an old copy; the
copy's own metadata must name the same hash, format and row count, and its pages carry checksums,
so a damaged or foreign copy is not used: the file itself is read instead (and copied again).
A copy is written to a temporary file and renamed into place, and only when the file did not
change while it was read; failing to write one (a read-only folder, a full disk) never stops a
load. Files under MIN_BYTES are not copied: parsing them is quicker than hashing and reading a copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .limits import MB

FORMAT = 1  # bump when what the copy holds, or how it is read, changes
MIN_BYTES = 4 * MB  # smaller files are parsed each time
KEEP = 8  # copies kept in the folder, the most recently used; older ones are removed
ALGORITHM = "sha256"  # hardware-accelerated on most machines: about 0.5 s for 250 MB
ROW = "__row"
KEY = "__key"
FOLDER = Path(".cache") / "observations"  # inside the project
ROW_GROUP_ROWS = 16 * 1024  # a committee's read takes only the row groups holding its indicators
STALE_SECONDS = 24 * 60 * 60

log = logging.getLogger(__name__)


def folder_for(project: Path | None) -> Path | None:
    """Where a project's copies are kept; None (no copies) outside any project."""
    return None if project is None else Path(project) / FOLDER


def _signature(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns, status.st_ino


@dataclass(frozen=True)
class Entry:
    """The copy of one source file's content, whether or not it exists yet."""

    source: Path
    folder: Path
    digest: str
    signature: tuple[int, int, int]  # the source's size, modification time and inode when it was hashed

    @classmethod
    def of(cls, source: Path, folder: Path | None) -> "Entry | None":
        """The entry for `source`, hashed now; None when there is no cache folder or the file is small."""
        if folder is None:
            return None
        signature = _signature(source)
        if signature[0] < MIN_BYTES:
            return None
        with source.open("rb") as handle:
            digest = hashlib.file_digest(handle, ALGORITHM).hexdigest()
        return cls(source, folder, digest, signature)

    @property
    def file(self) -> Path:
        return self.folder / f"{self.digest}-v{FORMAT}.parquet"

    def read(self, wanted: frozenset[str]) -> tuple[pa.Table, bool] | None:
        """The rows of `wanted` indicators (their cells and `__row`), and whether the file has any row of
        data; None when there is no usable copy (none yet, damaged, or not this file's)."""
        try:
            if not self.file.is_file():
                return None
            found = pq.ParquetFile(self.file, page_checksum_verification=True)
            meta = {k.decode(): v.decode() for k, v in (found.metadata.metadata or {}).items() if k.startswith(b"reporting.")}
            if (meta.get("reporting.format") != str(FORMAT) or meta.get("reporting.sha256") != self.digest
                    or meta.get("reporting.rows") != str(found.metadata.num_rows)
                    or found.schema_arrow.names[-2:] != [ROW, KEY]):
                log.info("cache %s does not match %s; reading the file", self.file, self.source)
                return None
            if wanted:
                table = pq.read_table(self.file, filters=[(KEY, "in", sorted(wanted))], page_checksum_verification=True)
            else:
                table = found.schema_arrow.empty_table()
            table = table.drop_columns([KEY]).sort_by(ROW)  # back in the file's order
            try:
                os.utime(self.file)  # recently used: kept when older copies are removed
            except OSError:
                pass
            return table, meta.get("reporting.has_rows") == "1"
        except (pa.ArrowException, OSError, ValueError, KeyError, UnicodeDecodeError) as error:
            log.info("cache %s cannot be read (%s); reading the file", self.file, error)
            return None

    def writer(self, names: list[str]) -> "Writer":
        return Writer(self, names)


class Writer:
    """Gathers a copy batch by batch; `commit` writes it, sorted by indicator id, into a temporary file and
    renames that into place. Sorted, each row group holds few indicators and its statistics say which, so
    a committee's read skips the rest. Never raises: a copy that cannot be written is simply not made."""

    def __init__(self, entry: Entry, names: list[str]):
        self.entry = entry
        self.schema = pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field(ROW, pa.int64()), pa.field(KEY, pa.string())])
        self.batches: list[pa.RecordBatch] | None = []

    def write(self, batch: pa.RecordBatch, rows: pa.Array, keys: pa.Array) -> None:
        if self.batches is not None:
            self.batches.append(pa.RecordBatch.from_arrays([*batch.columns, rows, keys], schema=self.schema))

    def commit(self, has_rows: bool) -> None:
        """Write the copy and put it in place, if the source is unchanged since it was hashed."""
        if self.batches is None:
            return
        batches, self.batches = self.batches, None
        table = pa.Table.from_batches(batches, self.schema).combine_chunks()  # one chunk: taking rows from it is fast
        del batches
        temporary = None
        try:
            self.entry.folder.mkdir(parents=True, exist_ok=True)
            # A name no other process uses; created by the writer, so with the user's usual permissions.
            temporary = self.entry.folder / f".{self.entry.digest[:16]}-{os.getpid()}-{uuid.uuid4().hex}.tmp"
            name = str(temporary)
            order = pc.sort_indices(table, [(KEY, "ascending"), (ROW, "ascending")])
            with pq.ParquetWriter(name, self.schema, write_page_checksum=True) as parquet:
                for start in range(0, table.num_rows, ROW_GROUP_ROWS):  # one row group's copy at a time
                    parquet.write_table(table.take(order[start:start + ROW_GROUP_ROWS]), row_group_size=ROW_GROUP_ROWS)
                parquet.add_key_value_metadata({
                    "reporting.format": str(FORMAT), "reporting.sha256": self.entry.digest,
                    "reporting.rows": str(table.num_rows), "reporting.has_rows": "1" if has_rows else "0",
                })
            if _signature(self.entry.source) != self.entry.signature:
                raise OSError("the file changed while it was read")
            os.replace(name, self.entry.file)
            temporary = None
        except (pa.ArrowException, OSError, ValueError) as error:
            log.info("cache for %s not written (%s)", self.entry.source, error)
            return
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
        _prune(self.entry.folder)

    def discard(self) -> None:
        self.batches = None


def _prune(folder: Path) -> None:
    """Remove all but the KEEP most recently used copies (a run reading one that is removed reads the file),
    and temporary files older than a day."""
    try:
        copies = sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in copies[KEEP:]:
            old.unlink(missing_ok=True)
        for left in folder.glob(".*.tmp"):  # from a run that was stopped while it wrote a copy
            if time.time() - left.stat().st_mtime > STALE_SECONDS:
                left.unlink(missing_ok=True)
    except OSError:
        pass
