"""Chinese (Simplified): what the monitor says (`common`: every Function, the Filter included; `reports`: the
report model and the buttons only)."""
