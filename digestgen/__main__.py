"""``python -m digestgen``: the same as the ``digestgen`` command."""

from .cli import run

run()
