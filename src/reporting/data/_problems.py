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
    expected_when_empty: dict[str, str] | None = None,
) -> list[Problem]:
    """One Problem per failure case, in words a council analyst can act on."""
    cases = errors.failure_cases
    problems: list[Problem] = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check == "column_in_dataframe":
            problems.append(
                Problem(file, None, str(case.failure_case), None, expected_for_missing_column(case.failure_case))
            )
            continue
        index = None if case.index is None or pd.isna(case.index) else int(case.index)
        if check.startswith("coerce_dtype") or check.startswith("dtype"):
            check = "a value of the expected type"
        if check == "not_nullable":
            check = (expected_when_empty or {}).get(str(case.column), "a value: this cell must not be empty")
        problems.append(Problem(file, row_of(index), str(case.column), case.failure_case, check, row_name))
    return problems
