"""The `typst` command Quarto runs, on the project's own Typst (the `typst` package from PyPI).

Quarto 1.7 calls `typst compile [--root DIR] [--font-path DIR]... INPUT OUTPUT` and has no
setting for PDF standards. Through this command every PDF is written tagged, as PDF/UA-1, which
Typst 0.14 and later check as they write (a chart without alt text, or a document without a title,
stops the render), whichever Typst the user's Quarto bundles. SOURCE_DATE_EPOCH fixes the PDF's
dates, so reruns of a quarter are byte-identical. The title and running header come from
`<stem>.inputs.json` beside the .typ, as sys.inputs, so they never pass through Quarto's Markdown.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

PDF_STANDARD = "ua-1"
INPUTS = ".inputs.json"  # beside <stem>.typ (typst_source.write_typst_files writes it)
TIMINGS_ENV = "REPORTING_TYPST_TIMINGS"  # a file to append each compile's seconds to (scripts/benchmark_renderers.py)


def command_file(folder: Path) -> Path:
    """Write a small `typst` executable in `folder` that runs this file with this Python (for QUARTO_TYPST).

    The file, not the package: `import reporting` (pandas, matplotlib) would add 1.6 s to every PDF.
    """
    path = folder / "typst"
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "$@"\n', encoding="utf-8")
    path.chmod(0o755)
    return path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    import typst

    if argv[:1] in (["--version"], ["-V"]):
        from importlib.metadata import version

        print(f"typst {version('typst')}")
        return 0
    if argv[:1] not in (["compile"], ["c"]):
        print(f"typst (reporting): only `compile` and `--version` are supported, not {argv[:1]}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="typst compile")
    parser.add_argument("input")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--root")
    parser.add_argument("--font-path", action="append", default=[])
    arguments = parser.parse_intermixed_args(argv[1:])
    output = arguments.output or str(Path(arguments.input).with_suffix(".pdf"))
    # The document's title and running header, as plain strings (never Markdown or Typst markup).
    sidecar = Path(arguments.input).with_suffix(INPUTS)
    inputs = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    timestamp = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch and epoch.isdigit() else None
    started = time.perf_counter()
    try:
        typst.compile(
            arguments.input, output=output, root=arguments.root, font_paths=arguments.font_path,
            pdf_standards=[PDF_STANDARD], sys_inputs={str(k): str(v) for k, v in inputs.items()}, **({"timestamp": timestamp} if timestamp else {}),
        )
    except Exception as error:  # typst raises its own TypstError with the source location
        print(f"error: {error}", file=sys.stderr)
        return 1
    log = os.environ.get(TIMINGS_ENV)  # the benchmark's record of Typst's share of a Quarto render
    if log:
        with open(log, "a", encoding="utf-8") as record:
            record.write(f"{time.perf_counter() - started:.3f}\t{arguments.input}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
