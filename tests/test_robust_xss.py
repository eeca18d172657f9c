"""Text from content is never executed in a page.

Script and event-handler payloads go into every text field of a paper, an issue and the
config, and into every Markdown construct (links, images, titles, references, footnotes,
tables, raw HTML, math); the site is built with ``markdown.html`` off and on, served on
127.0.0.1, and every page is opened in headless Chromium. A payload that runs sets
``window.__xss`` or opens a dialog; besides, no element may carry an event-handler attribute,
a ``javascript:``/``data:`` URL, or be a frame, object or ``<base>`` made from content.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import xml.etree.ElementTree as ElementTree
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digestgen.cli import main

RUN = "window.__xss=1"

#: Raw HTML that runs as soon as it is parsed or loaded, or when a link is followed.
HTML = [
    f"<script>{RUN}</script>",
    f"<img src=x onerror={RUN}>",
    f"<svg onload={RUN}>",
    f'"><img src=x onerror={RUN}>',
    f"</title><script>{RUN}</script>",
    f'" autofocus onfocus="{RUN}" x="',
    f"' autofocus onfocus='{RUN}' x='",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f"<details open ontoggle={RUN}>x</details>",
    f'<a href="javascript:{RUN}">click</a>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<object data="javascript:{RUN}"></object>',
    "<base href='javascript:/'>",
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    "<script>alert(1)</script>",
]
#: Markdown constructs that make links, images and attributes.
MARKDOWN = [
    f"[click](javascript:{RUN})",
    f"[click](JaVaScRiPt:{RUN})",
    f"[click](javascript&colon;{RUN})",
    f"[click](&#106;avascript:{RUN})",
    "[click](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    f"<javascript:{RUN}>",
    f"![img](javascript:{RUN})",
    f'![x" onerror="{RUN}](x)',
    f'[titled](https://example.org "t\\" autofocus onfocus=\\"{RUN}")',
    f"[ref][r]\n\n[r]: javascript:{RUN}",
    f'[ref2][r2]\n\n[r2]: https://example.org "t\\" onmouseover=\\"{RUN}"',
    f"Note[^x].\n\n[^x]: <img src=x onerror={RUN}>",
    f"| <img src=x onerror={RUN}> |\n|---|\n| <script>{RUN}</script> |",
    f"`<script>{RUN}</script>`",
    f"```html\n<script>{RUN}</script>\n```",
    f"# <img src=x onerror={RUN}>",
    f'<div onmouseover="{RUN}">block</div>',
    "{{ 7*191 }} {% raw %}",
]
#: Math is rendered to MathML at build time: none of it may carry markup through.
MATH = [
    f"$\\text{{<script>{RUN}</script>}}$",
    f"$\\text{{<img src=x onerror={RUN}>}}$",
    f"$$\\href{{javascript:{RUN}}}{{x}}$$",
    f'$\\mathrm{{"><img src=x onerror={RUN}>}}$',
    f"$x<img src=x onerror={RUN}>$",
]
BLOCK = "\n\n".join(HTML + MARKDOWN + MATH) + "\n"
LINE = " ".join(HTML + [m for m in MARKDOWN + MATH if "\n" not in m])


def write_site(root: Path, allow_html: bool) -> None:
    def dump(rel: str, data: dict, body: str = "") -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        path.write_text(f"---\n{text}---\n{body}" if body else text, encoding="utf-8")

    dump("digestgen.yaml", {
        "title": LINE, "description": LINE, "base_url": "https://example.org/",
        "repo_url": f'https://github.com/o/r"onmouseover="{RUN}',
        "markdown": {"html": allow_html},
    })
    review = {key: {"zh": [LINE], "en": [LINE]} for key in
              ("motivation", "method", "questions", "findings")}
    dump("content/papers/xss.yaml", {
        "id": "2403.14715", "title": {"en": LINE, "zh": LINE}, "date": dt.date(2024, 3, 22),
        "authors": HTML, "url": f'https://example.org/"onmouseover="{RUN}',
        "pdf": f"https://example.org/x.pdf?<script>{RUN}</script>",
        "arxiv": {"version": 1, "announce_type": "new", "primary_category": "cs.LG",
                  "comment": LINE, "journal_ref": LINE,
                  "doi": f'10.1000/x"><img src=x onerror={RUN}>'},
        "tldr": {"en": LINE, "zh": LINE}, "abstract": {"en": BLOCK, "zh": BLOCK},
        "review": review, "venue": LINE, "field": LINE, "tags": ["xss"],
    })
    dump("content/papers/notes.md", {"id": "notes-paper", "title": LINE,
                                     "date": dt.date(2024, 3, 21), "tldr": LINE},
         body=f"{BLOCK}\n::: zh\n{BLOCK}\n:::\n")
    dump("content/issues/2024-03-22.yaml", {"title": {"zh": LINE, "en": LINE},
                                            "intro": {"zh": BLOCK, "en": BLOCK}})


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module", params=[False, True], ids=["html-off", "html-on"])
def served(request, tmp_path_factory):
    """The site built with ``markdown.html`` off or on, served on 127.0.0.1: (output, URL)."""
    root = tmp_path_factory.mktemp("xss")
    write_site(root, allow_html=request.param)
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(root / "digestgen.yaml")])
    assert result.exit_code == 0, result.output
    handler = functools.partial(QuietHandler, directory=str(root / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root / "site", f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


#: Every element made from content that could run script, found in the live DOM.
SCAN = """() => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "poster",
                         "background", "srcset"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "frame", "object", "embed", "base", "applet"].includes(tag)) found.push(tag);
    if (tag === "meta" && el.httpEquiv) found.push("meta http-equiv");
    // A JSON-LD block is data, never run: it may hold the payload as text, but must be one
    // JSON value (a payload that broke out of it would leave it unparsable or start a script).
    const data = tag === "script" && el.type === "application/ld+json";
    if (data) { try { JSON.parse(el.textContent); } catch (e) { found.push("json-ld"); } }
    if (tag === "script" && !data && (el.textContent + el.src).includes("__xss"))
      found.push("script");
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "srcdoc") found.push(`${tag}[${name}]`);
      if (urlAttributes.includes(name) && /^\\s*(javascript|vbscript|data):/i.test(attr.value))
        found.push(`${tag}[${name}=${attr.value.slice(0, 40)}]`);
    }
  }
  for (const a of document.querySelectorAll("a[href]")) {
    if (["javascript:", "data:", "vbscript:"].includes(a.protocol)) {
      found.push(`a ${a.protocol}`);
      a.click();  // show whether it would run
    }
  }
  return found;
}"""


def pages(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html")
                  if not p.relative_to(output).as_posix().startswith("search/"))


class Tab:
    """One browser tab that opens pages and tells what ran in them."""

    def __init__(self, browser):
        self.page = browser.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def check(self, url: str, wait_for: str | None = None) -> list[str]:
        """Open ``url``; return what the DOM scan found, and any payload that ran."""
        self.dialogs.clear()
        self.page.goto(url, wait_until="load")
        if wait_for:
            self.page.wait_for_selector(wait_for, timeout=15_000)
        self.page.wait_for_timeout(100)  # broken images fire their error events after load
        found = self.page.evaluate(SCAN)
        self.page.wait_for_timeout(50)
        if self.page.evaluate("window.__xss"):
            found.append("a payload ran: window.__xss is set")
        return found + [f"a payload opened a dialog: {message}" for message in self.dialogs]


@pytest.fixture(scope="module")
def tab(browser) -> Tab:
    return Tab(browser)


def test_no_payload_runs_on_any_page(served, tab):
    output, base = served
    assert len(pages(output)) > 10
    failures = {rel: found for rel in pages(output) if (found := tab.check(base + rel))}
    assert failures == {}


def test_search_results_do_not_run_what_they_show(served, tab):
    output, base = served
    if not (output / "search").is_dir():
        pytest.skip("this build has no search index")
    assert tab.check(base + "?q=onerror", wait_for=".search-results li") == []


def test_payloads_show_as_text(served):
    output, _ = served
    page = (output / "en/papers/2403.14715/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page  # in the title: never markup
    assert "{{ 7*191 }}" in page and "1337" not in page  # content is never a template


def test_feeds_and_sitemap_stay_well_formed_xml(served):
    output, _ = served
    for rel in ("feed.xml", "en/feed.xml", "sitemap.xml"):
        ElementTree.parse(output / rel)
