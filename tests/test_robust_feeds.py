"""Feeds carry text from content to feed readers that render ``type="html"`` as HTML: no
markup from content may become live there, however a reader unescapes it. Checked on the raw
XML: an element of ``type="html"`` is unescaped once (by the XML parser) and parsed as HTML, as
a reader does; a text element is ``type="text"`` and holds the text escaped once."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from lxml import etree
from test_robust_xss import LINE, RUN, write_site

from digestgen.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"
#: What a reader must never get as markup from a feed.
LIVE_TAGS = {"script", "iframe", "object", "embed", "base", "meta", "form", "style", "link",
             "svg"}  # (MathML is the build's own rendering of math: allowed)


@pytest.fixture(scope="module", params=[False, True], ids=["html-off", "html-on"])
def feeds(request, tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("feeds")
    write_site(root, allow_html=request.param)
    with open(root / "digestgen.yaml", "a", encoding="utf-8") as config:
        config.write("search: false\n")
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(root / "digestgen.yaml")])
    assert result.exit_code == 0, result.output
    feeds = sorted((root / "site").rglob("feed.xml"))  # the site's, and each topic's
    assert len(feeds) > 2 and root / "site/tags" in {f.parent.parent for f in feeds}
    return feeds


def live_markup(html: str) -> list[str]:
    """What in ``html`` would run or load in a reader that renders it."""
    found = []
    for element in lxml.html.fragment_fromstring(html, create_parent="div").iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in LIVE_TAGS:
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{element.tag} {name}>")
            if value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"<{element.tag} {name}={value}>")
    return found


def test_no_feed_text_holds_live_markup(feeds):
    for feed in feeds:
        root = etree.parse(str(feed)).getroot()
        for element in root.iter():
            kind = element.get("type")
            if kind == "html":
                assert live_markup(element.text or "") == [], (feed, element.tag)
            elif element.tag in (f"{ATOM}title", f"{ATOM}subtitle", f"{ATOM}summary",
                                 f"{ATOM}content", f"{ATOM}rights"):
                assert kind == "text", (feed, element.tag, kind)


def test_feed_titles_are_the_text_escaped_once(feeds):
    for feed in feeds:
        root = etree.parse(str(feed)).getroot()
        titles = [e.text for e in root.iter(f"{ATOM}title")]
        topic = feed.parent.parent.name in ("tags", "categories")
        # The site's title (a topic's feed adds the topic's name).
        assert titles[0] == LINE if not topic else titles[0].startswith(LINE + " · ")
        # The payload reads back as the very characters written, not as escaped entities.
        assert f"<script>{RUN}</script>" in titles[0]
        assert f"<img src=x onerror={RUN}>" in titles[1]
        assert root.find(f"{ATOM}subtitle").text == LINE
