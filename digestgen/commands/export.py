"""``digestgen export ISSUE-ID [--lang CODE] [--format markdown|email]``: an issue as a format A
Markdown document, or as an HTML e-mail (:mod:`digestgen.formats.email`).

The document is the one ``digestgen import`` reads, so an exported issue imported into an
empty site gives back the same paper records (SPEC 3.1).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..formats.digest_writer import HEADINGS, ExportError, write_digest
from ..content.load import load_content
from ..content.model import build_model
from ..content.records import Paper, Text
from .common import config_option, reports_problems, site_config


@click.command("export", epilog="""\b
Examples:
  digestgen export 2024-03-22 > 2024-03-22-digest.md
  digestgen export 2024-03-22 --lang en""")
@click.argument("issue_id", metavar="ISSUE-ID")
@click.option("--lang", default=None, metavar="CODE",
              help="Language the document leads with: zh or en (default: the site's first "
                   "language when it is one of them, else zh).")
@click.option("--format", "output_format", type=click.Choice(["markdown", "email"]),
              default="markdown", show_default=True,
              help="markdown: a digest document; email: an HTML e-mail linking to the site.")
@config_option
@reports_problems
def export(issue_id: str, lang: str | None, output_format: str,
           config_path: Path | None) -> None:
    """Print issue ISSUE-ID (e.g. 2024-03-22) as a digest document in Markdown, or as an
    HTML e-mail (--format email)."""
    config = site_config(config_path)
    if output_format == "email":
        lang = _site_language(lang, config.languages)
    elif lang is None:
        lang = config.default_language if config.default_language in HEADINGS else "zh"
    site = build_model(config, load_content(config))
    issue = next((issue for issue in site.issues if issue.id == issue_id), None)
    if issue is None:
        known = ", ".join(issue.id for issue in site.issues[:5]) or "none yet"
        raise click.ClickException(f"no issue {issue_id!r} (newest issues: {known})")
    if output_format == "email":
        from ..formats.email import render_email

        click.echo(render_email(config, site, issue, lang), nl=False)
        return
    intro = _pick(issue.file.intro, lang, config.source_language) if issue.file else None
    records = [paper_record(entry.paper) for entry in issue.entries]
    try:
        document = write_digest(records, lang, intro, config.source_language, config.base_url)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(document, nl=False)


def _site_language(lang: str | None, languages: tuple[str, ...]) -> str:
    """``--lang`` for an e-mail: one of the site's languages, by default its first."""
    if lang is None:
        return languages[0]
    if lang not in languages:
        raise click.BadParameter(f"{lang!r} is not one of the site's languages "
                                 f"({', '.join(languages)})", param_hint="--lang")
    return lang


def paper_record(paper: Paper) -> dict:
    """The fields of ``paper`` that a digest document shows, as a record mapping."""
    arxiv = {key: value for key, value in (
        ("version", paper.arxiv.version), ("announce_type", paper.arxiv.announce_type),
        ("primary_category", paper.arxiv.primary_category)) if value is not None}
    record = {"id": paper.id, "title": dict(paper.title.values), "url": paper.url,
              "arxiv": arxiv or None, "abstract_truncated": paper.abstract_truncated or None}
    for key in ("tldr", "abstract"):
        text = getattr(paper, key)
        if text is not None:
            record[key] = dict(text.values)
    return {key: value for key, value in record.items() if value is not None}


def _pick(text: Text | None, lang: str, source_language: str) -> str | None:
    """``text`` in ``lang``, else in the source language, else in any language it has."""
    if text is None or not text.values:
        return None
    for code in (lang, source_language):
        if code in text:
            return text[code]
    return next(iter(text.values.values()))
