"""English: `common` (what every Function says, the Filter too), `reports` (the report model and
buttons, and the words typed to them)."""
