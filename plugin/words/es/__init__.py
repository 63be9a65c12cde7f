"""Spanish: `common` (what every Function says, the Filter too), `reports` (the report model, buttons)."""
