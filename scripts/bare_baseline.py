"""The bare baseline the workbook is measured against: what a team would write without it.

Usage: .venv/bin/python scripts/bare_baseline.py OUTPUT_FOLDER

One notebook, executed by papermill in a new kernel, draws a seaborn line chart for each of
Cambridgeshire's 20 indicators (its value, target and England mean by period, with a small table
beneath), then nbconvert turns it into HTML and WeasyPrint prints that HTML to PDF. No validation,
ratings, paper, spreadsheets, manifest, accessibility tags or atomic publishing. Each call is one
fresh process, as a scheduled job would be.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
OBSERVATIONS = PROJECT / "data" / "cambridgeshire-cyp" / "observations.csv"

CELLS = [
    "observations_path = ''",
    "import matplotlib.pyplot as plt\nimport pandas as pd\nimport seaborn as sns\nfrom IPython.display import display",
    "df = pd.read_csv(observations_path, parse_dates=['period_end'])\ndf['indicator_id'] = df['indicator_id'].astype(str)",
    "for indicator, rows in df.groupby('indicator_id', sort=False):\n"
    "    long = rows.melt(id_vars='period_end', value_vars=['value', 'target', 'england_mean'], var_name='series', value_name='figure')\n"
    "    fig, ax = plt.subplots(figsize=(7, 2.8))\n"
    "    sns.lineplot(data=long, x='period_end', y='figure', hue='series', marker='o', ax=ax)\n"
    "    ax.set_title(f'Indicator {indicator}')\n"
    "    plt.show()\n"
    "    display(rows[['period_label', 'value', 'target', 'england_mean']])",
]


def main(folder: Path) -> None:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter
    from weasyprint import HTML

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source, executed = folder / "baseline.ipynb", folder / "baseline-executed.ipynb"
    nbformat.write(nb, str(source))
    papermill.execute_notebook(str(source), str(executed), parameters={"observations_path": str(OBSERVATIONS)},
                               kernel_name="python3", progress_bar=False)
    body, _ = HTMLExporter().from_filename(str(executed))
    (folder / "baseline.html").write_text(body, encoding="utf-8")
    HTML(string=body, base_url=str(folder)).write_pdf(str(folder / "baseline.pdf"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
