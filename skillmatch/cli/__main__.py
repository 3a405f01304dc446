"""``python -m skillmatch.cli``."""

from skillmatch.cli import app

app()
