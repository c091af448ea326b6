"""Dated parameter tables (TOML), one value per year range with its citation."""
