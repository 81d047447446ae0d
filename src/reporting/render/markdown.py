"""The built-in renderer's Markdown reader lives with the document model: `reporting.document.markdown_html`."""

from ..document.markdown_html import (  # noqa: F401
    WIDE_TABLE_COLUMNS,
    markdown_to_html,
    notebook_sections,
    sections,
)
