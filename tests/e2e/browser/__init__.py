"""Browser tests: what a person sees in headless Chromium."""
