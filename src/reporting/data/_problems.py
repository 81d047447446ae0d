"""Turn pandera's failure cases into Problems a council analyst can act on."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import Problem


def problems_from(
    errors: pa.errors.SchemaErrors,
    file: str,
    row_of,
    expected_for_missing_column,
    row_name: str = "row",
) -> list[Problem]:
    """One Problem per failure case; duplicate keys are reported once per row, not per column."""
    cases = errors.failure_cases
    problems: list[Problem] = []
    seen_duplicate_rows: set[int] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check == "column_in_dataframe":
            problems.append(
                Problem(file, None, str(case.failure_case), None, expected_for_missing_column(case.failure_case))
            )
            continue
        index = None if case.index is None or pd.isna(case.index) else int(case.index)
        if check == "multiple_fields_uniqueness":
            if index in seen_duplicate_rows:
                continue
            seen_duplicate_rows.add(index)
            problems.append(
                Problem(
                    file,
                    row_of(index),
                    "indicator_id, period_end",
                    None,
                    "this indicator and period appear more than once; keep one row per indicator and period",
                    row_name,
                )
            )
            continue
        if check.startswith("coerce_dtype") or check.startswith("dtype"):
            check = "a value of the expected type"
        problems.append(Problem(file, row_of(index), str(case.column), case.failure_case, check, row_name))
    return problems
