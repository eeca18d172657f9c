"""``digestgen export ISSUE --format email``: an issue as an HTML e-mail that mail programs show
as it is (inline styles, no scripts), in both languages, linking to the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html
import pytest
from click.testing import CliRunner

from digestgen.cli import main

HOSTILE = '<img src=x onerror="alert(1)">'
PAPER = """\
id: "2403.14715"
title:
  en: Understanding Why Label Smoothing Degrades Selective Classification
  zh: 理解为何标签平滑会降低选择性分类的效果
date: 2024-03-22
tldr:
  zh: 标签平滑会损害选择性分类。
  en: Label smoothing hurts selective classification.
abstract:
  en: |-
    Label smoothing (LS) is a popular regularisation method.

    We reveal that LS negatively affects selective classification (SC).
  zh: 标签平滑（LS）是一种流行的正则化方法。
"""
SLUG_PAPER = f"""\
id: notes-on-{'x'}
title: 'Notes {HOSTILE} </a><script>alert(2)</script>'
date: 2024-03-22
url: https://example.org/notes
abstract: 'Text with {HOSTILE} and a "quote" & an ampersand.'
"""


@pytest.fixture
def issue_site(site):
    site.paper("2403.14715.yaml", PAPER)
    site.paper("notes.yaml", SLUG_PAPER)
    site.issue("2024-03-22.yaml", "intro: {zh: 本期两篇。, en: Two papers this time.}\n")
    return site


def export_email(site, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", "2024-03-22", "--format", "email",
                                       "--config", str(site.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_email_holds_both_languages_of_every_paper(issue_site):
    page = lxml.html.document_fromstring(export_email(issue_site))
    assert page.get("lang") == "zh"
    texts = {(e.get("lang"), e.text_content()) for e in page.iter() if e.get("lang")}
    assert ("zh", "理解为何标签平滑会降低选择性分类的效果") in texts
    assert ("en", "Understanding Why Label Smoothing Degrades Selective Classification") in texts
    assert ("zh", "标签平滑会损害选择性分类。") in texts
    assert ("en", "Label smoothing hurts selective classification.") in texts
    assert ("en", "We reveal that LS negatively affects selective classification (SC).") in texts
    assert ("zh", "本期两篇。") in texts and ("en", "Two papers this time.") in texts
    headings = [h.text_content() for h in page.iter("h2")]
    assert headings[0].startswith("1. 理解为何")  # the site's table order, the page language
    english = lxml.html.document_fromstring(export_email(issue_site, "--lang", "en"))
    assert english.get("lang") == "en"
    assert [h.text_content() for h in english.iter("h2")][0].startswith("1. Understanding")


def test_every_link_is_absolute_and_points_to_the_site_or_the_paper(issue_site):
    page = lxml.html.document_fromstring(export_email(issue_site))
    hrefs = [a.get("href") for a in page.iter("a")]
    assert all(urlsplit(h).scheme == "https" and urlsplit(h).netloc for h in hrefs), hrefs
    assert "https://alice.github.io/digest/issues/2024-03-22/" in hrefs
    assert "https://alice.github.io/digest/papers/2403.14715/" in hrefs
    assert "https://arxiv.org/abs/2403.14715" in hrefs
    assert "https://example.org/notes" in hrefs
    labels = {a.text_content() for a in page.iter("a")}
    assert {"arXiv", "PDF", "example.org"} <= labels


def test_everything_is_escaped_and_nothing_runs(issue_site):
    html = export_email(issue_site)
    page = lxml.html.document_fromstring(html)
    assert list(page.iter("script", "img", "style", "link", "iframe")) == []
    assert not any(name.startswith("on") for e in page.iter() for name in e.attrib)
    shown = page.text_content()
    assert HOSTILE in shown and "<script>alert(2)</script>" in shown
    assert 'a "quote" & an ampersand' in shown


def test_styles_are_inline_on_every_shown_element(issue_site):
    page = lxml.html.document_fromstring(export_email(issue_site))
    for element in page.body.iter("table", "td", "p", "h1", "h2", "a"):
        if element.tag == "td" or element.text_content().strip():
            assert element.get("style"), lxml.html.tostring(element)[:120]
    assert page.find(".//head/meta[@charset]").get("charset") == "utf-8"


def test_an_unknown_issue_is_an_error(issue_site):
    result = CliRunner().invoke(main, ["export", "2024-01-01", "--format", "email",
                                       "--config", str(issue_site.config_path)])
    assert result.exit_code == 1 and "no issue '2024-01-01'" in result.output


def test_the_lead_language_is_one_of_the_sites(issue_site):
    result = CliRunner().invoke(main, ["export", "2024-03-22", "--format", "email", "--lang",
                                       "fr", "--config", str(issue_site.config_path)])
    assert result.exit_code == 2
    assert "'fr' is not one of the site's languages (zh, en)" in result.output
