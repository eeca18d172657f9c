"""``digestgen serve``."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from ..serve import serve as serve_site
from .common import config_option, reports_problems, site_config


@click.command(epilog="""\b
Examples:
  digestgen serve
  digestgen serve --port 8080 --drafts""")
@config_option
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1; the next free one is used when it is taken.")
@click.option("--drafts", is_flag=True, help="Include papers and issues marked draft.")
@reports_problems
def serve(config_path: Path | None, port: int, drafts: bool) -> None:
    """Preview the site: build it, serve it on 127.0.0.1, and rebuild and reload open pages
    whenever content, layouts, static files or the config change."""
    config = site_config(config_path)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop as cleanly as on Ctrl-C
    try:
        serve_site(config, port=port, drafts=drafts, echo=click.echo)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}")
    click.echo("Stopped.")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
