"""``digestgen check``: everything a build validates, plus links, anchors and translations.

The site is built exactly as ``digestgen build`` would build it, into a temporary folder; then
every internal ``href`` and ``src`` of every page must lead to a file of that build (below the
base path, as on GitHub Pages) and every ``#fragment`` to an element id on the page it names.
The translation coverage report counts, per language and field, the papers that have the text.
Broken links are errors; missing translations are warnings.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .build import build, configure
from .config import SiteConfig
from .errors import counted as _count, display_path
from .content.model import Site
from .content.load import record_files
from .sitesize import Limits, SiteSize, measure, size_lines

#: Which attribute of which element is a link to check.
LINK_ATTRIBUTES = {"a": "href", "area": "href", "link": "href", "img": "src", "script": "src",
                   "iframe": "src", "source": "src", "audio": "src", "video": "src",
                   "track": "src", "embed": "src"}
UNSAFE_SCHEMES = ("javascript", "vbscript")
#: Fields of a paper the coverage report counts, with their column labels.
COVERED_FIELDS = ("title", "tldr", "abstract")
#: Paper ids listed per missing translation before "and N more".
LISTED_PAPERS = 10


@dataclass(frozen=True)
class BrokenLink:
    """A link that leads nowhere, reported once with the first page (and line) showing it."""

    page: str  # output-relative path of the page, e.g. "en/papers/x/index.html"
    line: int
    href: str
    reason: str
    pages: int  # how many pages show this link
    sources: tuple[Path, ...] = ()  # content files holding the link's text

    def __str__(self) -> str:
        extra = []
        if self.sources:
            extra.append("from " + ", ".join(display_path(path) for path in self.sources))
        if self.pages > 1:
            extra.append(f"on {self.pages} pages")
        notes = f" ({'; '.join(extra)})" if extra else ""
        return f"{self.page}:{self.line}: link {self.href}: {self.reason}{notes}"


@dataclass(frozen=True)
class LinkReport:
    pages: int
    links: int  # internal links checked
    broken: tuple[BrokenLink, ...]


@dataclass(frozen=True)
class Coverage:
    """How many of ``total`` papers have ``field`` in ``lang``; ``missing`` lists the others."""

    lang: str
    field: str
    total: int
    missing: tuple[str, ...]

    @property
    def have(self) -> int:
        return self.total - len(self.missing)


@dataclass(frozen=True)
class MachineTexts:
    """The texts in ``lang`` that a model wrote and no person has reviewed (SPEC 5)."""

    lang: str
    texts: tuple[tuple[str, str], ...]  # (paper id, field) in the papers' order


@dataclass(frozen=True)
class CheckReport:
    site: Site
    links: LinkReport
    coverage: tuple[Coverage, ...]
    machine: tuple[MachineTexts, ...] = ()
    size: SiteSize | None = None  # as published, against ``limits``
    limits: Limits = Limits()

    @property
    def errors(self) -> int:
        return len(self.links.broken)

    @property
    def size_report(self) -> tuple[list[str], list[str]]:
        """The lines on the site's size, and its warnings (a limit passed)."""
        return size_lines(self.size, self.limits) if self.size is not None else ([], [])

    @property
    def warnings(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.coverage if c.missing)

    @property
    def unreviewed(self) -> tuple[MachineTexts, ...]:
        return tuple(m for m in self.machine if m.texts)


def check_site(config: SiteConfig, drafts: bool = False,
               base_url: str | None = None, limits: Limits = Limits()) -> CheckReport:
    """Build the site into a temporary folder and check it (its size against ``limits`` too);
    raise :class:`SiteError` on every problem a build would report."""
    with tempfile.TemporaryDirectory(prefix="digestgen-check-") as folder:
        config = configure(config, output=Path(folder) / "site", base_url=base_url)
        result = build(config, drafts=drafts)
        links = check_links(result.output, config.base_url)
        size = measure(result.output, len(result.site.papers))
    links = dataclasses.replace(links, broken=with_sources(links.broken, config))
    return CheckReport(result.site, links, translation_coverage(result.site),
                       machine_texts(result.site), size, limits)


# -- links ---------------------------------------------------------------------------------


class PageParser(HTMLParser):
    """The element ids of one page and its links with their line numbers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = LINK_ATTRIBUTES.get(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name == wanted:
                self.links.append((value, self.getpos()[0]))


def check_links(output: Path, base_url: str) -> LinkReport:
    """Check every internal link of every HTML page of a built site in ``output``."""
    files = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    pages: dict[str, PageParser] = {}
    for rel in sorted(f for f in files if f.endswith(".html")):
        parser = PageParser()
        parser.feed((output / rel).read_text(encoding="utf-8", errors="replace"))
        parser.close()
        pages[rel] = parser
    resolver = _Resolver(base_url, files, {rel: page.ids for rel, page in pages.items()})
    found: dict[tuple[str, str], list] = {}  # (href, reason) -> [first page, line, count]
    checked = 0
    for rel, page in pages.items():
        for href, line in page.links:
            verdict = resolver.verdict(href, rel)
            if verdict is None:
                continue  # external
            checked += 1
            if verdict:
                found.setdefault((href, verdict), [rel, line, 0])[2] += 1
    broken = tuple(BrokenLink(page, line, href, reason, count)
                   for (href, reason), (page, line, count) in found.items())
    return LinkReport(len(pages), checked, tuple(sorted(broken, key=lambda b: (b.page, b.line,
                                                                                 b.href))))


class _Resolver:
    """Where links lead in a built site served from ``base_url``'s path."""

    def __init__(self, base_url: str, files: set[str], ids: dict[str, set[str]]):
        base = urlsplit(base_url)
        self.origin = (base.scheme.lower(), base.netloc.lower())
        self.base = base.path if base.path.endswith("/") else base.path + "/"
        self.files, self.ids = files, ids

    def verdict(self, href: str, page: str) -> str | None:
        """None for a link outside the site, "" for one that resolves, else what is wrong."""
        url = urlsplit(href.strip())
        scheme = url.scheme.lower()
        if scheme in UNSAFE_SCHEMES:
            return f"a {scheme}: link is never allowed"
        if scheme or url.netloc:
            if (scheme or self.origin[0], url.netloc.lower()) != self.origin:
                return None
            path = url.path or "/"
        else:
            here = self.base + self.page_path(page)
            path = urljoin(here, url.path) if url.path else here
        if path + "/" == self.base:
            path = self.base  # GitHub Pages adds the slash
        if not path.startswith(self.base):
            return f"leads outside the site's base path {self.base}"
        target = self.target(unquote(path[len(self.base):]))
        if target is None:
            return "no such page or file in the built site"
        fragment = unquote(url.fragment)
        if fragment and not fragment.startswith(":~:") and target in self.ids \
                and fragment not in self.ids[target]:
            where = f"{self.base}{self.page_path(target)}" if url.path else "this page"
            return f"no element with id '{fragment}' on {where}"
        return ""

    @staticmethod
    def page_path(rel: str) -> str:
        """The URL path (below the base) that serves output file ``rel``."""
        return rel[: -len("index.html")] if rel == "index.html" or \
            rel.endswith("/index.html") else rel

    def target(self, rel: str) -> str | None:
        """The output file a path below the base serves, as GitHub Pages would choose it."""
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        for candidate in (rel, rel + "/index.html"):
            if candidate in self.files:
                return candidate
        return None


def with_sources(broken: tuple[BrokenLink, ...], config: SiteConfig) -> tuple[BrokenLink, ...]:
    """``broken`` with the content files whose text holds each link, so that the report
    names the file to fix rather than only the pages that show it."""
    if not broken:
        return broken
    texts = {}
    for folder in ("papers", "issues"):
        for path in record_files(config.content_dir / folder):
            texts[path] = path.read_text(encoding="utf-8", errors="replace")
    return tuple(dataclasses.replace(link, sources=tuple(
        path for path, text in texts.items() if link.href in text)) for link in broken)


# -- translations --------------------------------------------------------------------------


def translation_coverage(site: Site) -> tuple[Coverage, ...]:
    """Per configured language and field, which papers have that text in that language."""
    return tuple(
        Coverage(lang, name, len(site.papers),
                 tuple(p.id for p in site.papers
                       if (text := getattr(p, name)) is None or lang not in text))
        for lang in site.config.languages for name in COVERED_FIELDS)


def machine_texts(site: Site) -> tuple[MachineTexts, ...]:
    """Per configured language, the machine-written texts of the site's papers (those whose
    ``machine`` entry names a text the paper has)."""
    found: dict[str, list[tuple[str, str]]] = {lang: [] for lang in site.config.languages}
    for paper in site.papers:
        for key in paper.machine:
            name, _, lang = key.rpartition(".")
            if lang in found and _has_text(paper, name, lang):
                found[lang].append((paper.id, name))
    return tuple(MachineTexts(lang, tuple(texts)) for lang, texts in found.items())


def _has_text(paper, name: str, lang: str) -> bool:
    if name.startswith("review."):
        section = paper.review.get(name.partition(".")[2])
        return section is not None and lang in section.values
    text = getattr(paper, name)
    return text is not None and lang in text


# -- the report ----------------------------------------------------------------------------


def report_lines(report: CheckReport, strict: bool = False) -> list[str]:
    """The report as a terminal shows it; the same input always gives the same lines."""
    site, links = report.site, report.links
    lines = [f"Checked {_count(len(site.papers), 'paper')} in {_count(len(site.issues), 'issue')}"
             f": {_count(links.pages, 'page')}, {_count(links.links, 'internal link')}.", ""]
    if links.broken:
        lines.append(f"Broken links ({_count(len(links.broken), 'error')}):")
        lines += [str(broken) for broken in links.broken]
    else:
        lines.append("Every internal link and anchor resolves.")
    lines += ["", *coverage_table(report.coverage, len(site.papers))]
    if report.warnings:
        kind = "error" if strict else "warning"
        lines += ["", f"Missing translations ({_count(len(report.warnings), kind)}):"]
        lines += [f"{kind}: {c.lang} {c.field} missing in {c.total - c.have} of "
                  f"{_count(c.total, 'paper')}: {_listed(c.missing)}" for c in report.warnings]
    lines += machine_lines(report, strict)
    sizes, too_big = report.size_report
    if sizes:
        lines += ["", *sizes, *too_big]
    lines += ["", summary(report, strict)]
    return lines


def coverage_table(coverage: tuple[Coverage, ...], papers: int) -> list[str]:
    if not papers:
        return ["Translation coverage: the site has no papers."]
    langs = list(dict.fromkeys(c.lang for c in coverage))
    cells = {(c.lang, c.field): f"{c.have}/{c.total}" for c in coverage}
    width = max(len(lang) for lang in [*langs, "language"])
    columns = {name: max(len(name), *(len(cells[lang, name]) for lang in langs))
               for name in COVERED_FIELDS}
    rows = [f"  {'language':<{width}}" + "".join(f"  {name:>{columns[name]}}"
                                                  for name in COVERED_FIELDS)]
    for lang in langs:
        rows.append(f"  {lang:<{width}}" + "".join(f"  {cells[lang, name]:>{columns[name]}}"
                                                  for name in COVERED_FIELDS))
    return [f"Translation coverage of {_count(papers, 'paper')}:", *rows]


def machine_lines(report: CheckReport, strict: bool = False) -> list[str]:
    """How many machine-written texts await review, per language, and where."""
    if not any(m.texts for m in report.machine):
        return []
    counts = ", ".join(f"{m.lang} {len(m.texts)}" for m in report.machine)
    lines = ["", f"Machine-written texts not yet reviewed: {counts}."]
    kind = "error" if strict else "warning"
    for m in report.unreviewed:
        by_paper: dict[str, list[str]] = {}
        for paper_id, name in m.texts:
            by_paper.setdefault(paper_id, []).append(name)
        listed = [f"{paper_id} ({', '.join(names)})" for paper_id, names in by_paper.items()]
        lines.append(f"{kind}: {m.lang}: {_count(len(m.texts), 'machine-written text')} in "
                     f"{_count(len(by_paper), 'paper')} to review (digestgen translate "
                     f"--accept ID): {_listed(tuple(listed))}")
    return lines


def summary(report: CheckReport, strict: bool = False) -> str:
    errors = report.errors
    warnings = len(report.warnings) + len(report.unreviewed) + len(report.size_report[1])
    if strict:
        errors, warnings = errors + warnings, 0
    if not errors and not warnings:
        return "No problems found."
    text = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if strict and report.warnings and report.unreviewed:
        text += " (--strict counts missing translations and machine-written texts as errors)"
    elif strict and report.warnings:
        text += " (--strict counts missing translations as errors)"
    elif strict and report.unreviewed:
        text += " (--strict counts machine-written texts not yet reviewed as errors)"
    return text + "."


def failed(report: CheckReport, strict: bool = False) -> bool:
    return bool(report.errors or (strict and (report.warnings or report.unreviewed
                                               or report.size_report[1])))


def _listed(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:LISTED_PAPERS])
    more = len(ids) - LISTED_PAPERS
    return shown + (f" and {more} more" if more > 0 else "")

