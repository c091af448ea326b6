"""Renderers: text, Markdown, HTML and JSON views of ledger results and assessments."""
