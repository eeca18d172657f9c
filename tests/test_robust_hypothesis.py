"""Property-based tests of everything that reads what people write.

Generated records load back exactly as written; broken records, arbitrary text and arbitrary
bytes only ever give problems at a line of the file (never another exception); Markdown and
titles never let a tag or an attribute through that could run script; broken documents given
to the importers give a document or problems, never a crash.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestgen.configload import load_config
from digestgen.errors import SiteError
from digestgen.content.load import load_content
from digestgen.pages.markup import Markdown, render_title
from digestgen.content.yamlsrc import YamlList, YamlMap, parse_yaml

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
CONFIG = "title: T\nbase_url: https://a.b/\n"
FAST = settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])

# --- strategies ----------------------------------------------------------------------------

#: Characters people write: Latin, CJK, punctuation and markup characters, newlines.
CHARS = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x9FFF) | \
    st.sampled_from("\n\t中文标签平滑<>&\"'`$[]()*_#|:-")
words = st.text(CHARS, min_size=1, max_size=40).filter(lambda s: s.strip() == s and s.strip())
line_words = words.filter(lambda s: "\n" not in s and "\t" not in s)
texts = words | st.dictionaries(st.sampled_from(["en", "zh"]), words, min_size=1)
slugs = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,15}", fullmatch=True)
arxiv_ids = st.builds(lambda yy, mm, n: f"{yy:02d}{mm:02d}.{n:05d}", st.integers(15, 30),
                      st.integers(1, 12), st.integers(0, 99999))
categories = st.sampled_from(["cs.LG", "cs.CV", "stat.ML", "math.OC", "physics.comp-ph", "hep-th"])
sections = st.lists(line_words, min_size=1, max_size=3)
reviews = st.dictionaries(st.sampled_from(["motivation", "method", "questions", "findings"]),
                          sections | st.fixed_dictionaries({"zh": sections, "en": sections}),
                          max_size=4)


@st.composite
def papers(draw) -> dict:
    """A valid paper record, its keys in the order of SPEC 1.3."""
    primary = draw(categories)
    record = {
        "id": draw(arxiv_ids | slugs),
        "title": draw(texts),
        "date": draw(st.dates(dt.date(1991, 1, 1), dt.date(2100, 12, 31))),
        "authors": draw(st.lists(line_words, max_size=4, unique=True)),
        "arxiv": {"version": draw(st.integers(1, 20)), "primary_category": primary,
                  "categories": draw(st.lists(categories.filter(lambda c: c != primary),
                                              max_size=3, unique=True))},
        "tldr": draw(texts), "abstract": draw(texts), "review": draw(reviews),
        "citations": draw(st.integers(0, 10**6)),
        "tags": draw(st.lists(slugs, max_size=3, unique=True)),
        "draft": False,
    }
    optional = draw(st.sets(st.sampled_from(["tldr", "abstract", "review", "citations", "tags",
                                             "authors", "arxiv"])))
    return {k: v for k, v in record.items() if k not in optional}


def as_text(value) -> dict[str, str]:
    return value if isinstance(value, dict) else {"en": value}


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=60)


@contextmanager
def site_with(files: dict[str, str | bytes]):
    """A temporary site holding ``files``; yields its validated config."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "digestgen.yaml").write_text(CONFIG, encoding="utf-8")
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        yield load_config(root / "digestgen.yaml")


def assert_problems_point_into(error: SiteError, path: Path, text: str) -> None:
    """Every problem names ``path`` (or the config), at a line the file has, in one line."""
    lines = max(1, text.count("\n") + 1)
    for problem in error.problems:
        assert problem.path.name in (path.name, "digestgen.yaml"), str(problem)
        assert problem.line is None or 1 <= problem.line <= lines, str(problem)
        assert problem.message and "\n" not in str(problem), str(problem)


# --- records -------------------------------------------------------------------------------

@FAST
@given(papers(), st.booleans())
def test_a_generated_paper_loads_as_written(record, as_markdown):
    if as_markdown:
        name, text = "content/papers/p.md", f"---\n{dump(record)}---\n"
    else:
        name, text = "content/papers/p.yaml", dump(record)
    with site_with({name: text}) as config:
        (paper,) = load_content(config).papers
    assert paper.id == record["id"] and paper.date == record["date"]
    assert paper.title.values == as_text(record["title"])
    assert paper.authors == tuple(record.get("authors", ()))
    assert paper.tags == tuple(record.get("tags", ()))
    assert paper.citations == record.get("citations")
    for key in ("tldr", "abstract"):
        loaded = getattr(paper, key)
        assert (loaded.values if loaded else None) == \
               (as_text(record[key]) if key in record else None)
    arxiv = record.get("arxiv", {})
    if arxiv:
        assert paper.arxiv.categories == (arxiv["primary_category"], *arxiv["categories"])
    for key, section in record.get("review", {}).items():
        expected = section if isinstance(section, dict) else {"en": section}
        assert paper.review[key].values == {k: tuple(v) for k, v in expected.items()}


WRONG_VALUES = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
                         words, st.lists(st.integers() | words, max_size=3),
                         st.dictionaries(words, st.integers(), max_size=2),
                         st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
KEYS = ["id", "title", "date", "authors", "url", "pdf", "arxiv", "tldr", "abstract",
        "abstract_truncated", "review", "venue", "field", "citations", "references", "tags",
        "draft", "notes", "an_unknown_key"]


@FAST
@given(papers(), st.lists(st.tuples(st.sampled_from(KEYS), WRONG_VALUES | st.just(KeyError)),
                          min_size=1, max_size=4))
def test_a_broken_paper_gives_problems_at_its_lines_only(record, changes):
    for key, value in changes:
        if value is KeyError:
            record.pop(key, None)
        else:
            record[key] = value
    text = dump(record)
    path = Path("content/papers/p.yaml")
    with site_with({str(path): text}) as config:
        try:
            load_content(config)
        except SiteError as error:
            assert_problems_point_into(error, path, text)
        else:
            assert "an_unknown_key" not in record and {"id", "title", "date"} <= record.keys()


@FAST
@given(st.text(max_size=300) | st.lists(st.sampled_from([
    "[", "]", "{", "}", ": ", "- ", "&a ", "*a", "!!str ", "!!python/tuple ", "'", '"', "\n",
    "  ", "id", "title", "date", "2024-03-22", "2024-02-30", ", ", "? ", "# c", "|\n", ">\n",
    "---\n", "...\n", "<<: ", "\t", "%YAML 1.1\n", "::: zh\n", ":::\n", "```\n", "\x07", "\ufeff",
]), max_size=60).map("".join), st.sampled_from(["p.yaml", "p.md", "../issues/2024-03-22.yaml"]))
def test_any_text_in_a_record_file_is_read_or_refused_at_a_line(text, name):
    path = Path("content/papers") / name
    with site_with({"content/papers/keep.yaml": "id: keep\ntitle: K\ndate: 2024-03-22\n",
                    str(path): text}) as config:
        try:
            load_content(config)
        except SiteError as error:
            assert_problems_point_into(error, path, text)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_in_a_record_file_are_read_or_refused_at_a_line(data):
    path = Path("content/papers/p.yaml")
    with site_with({str(path): data}) as config:
        try:
            load_content(config)
        except SiteError as error:
            assert_problems_point_into(error, path, data.decode("utf-8", "replace"))


ALLOWED_TYPES = (str, int, float, bool, type(None), dt.date, bytes)


def plain(value) -> bool:
    """Whether a parsed value holds only mappings, lists and scalars, with lines known."""
    if isinstance(value, YamlMap):
        return all(isinstance(value.line_of(k), int) and plain(v) for k, v in value.items())
    if isinstance(value, YamlList):
        return len(value.item_lines) == len(value) and all(plain(v) for v in value)
    return isinstance(value, ALLOWED_TYPES)


@FAST
@given(st.recursive(st.none() | st.booleans() | st.integers() | words,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(line_words, inner, max_size=4), max_leaves=30))
def test_any_yaml_value_parses_back_to_itself(value):
    text = dump(value)
    assert parse_yaml(text, Path("x.yaml")) == value
    assert plain(parse_yaml(text, Path("x.yaml")))


CONFIG_VALUES = WRONG_VALUES | st.sampled_from(["https://a.b/", "day", "week", "zh", "en",
                                                "site", ["zh", "en"], {"html": True}])


@FAST
@given(st.dictionaries(st.sampled_from(["title", "description", "base_url", "languages",
                                        "source_language", "issue_period", "output_dir",
                                        "repo_url", "markdown", "arxiv_api", "bogus"]),
                       CONFIG_VALUES, max_size=6))
def test_any_config_is_taken_or_refused_at_a_line(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digestgen.yaml"
        text = dump({"title": "T", "base_url": "https://a.b/", **data})
        path.write_text(text, encoding="utf-8")
        try:
            config = load_config(path)
        except SiteError as error:
            assert_problems_point_into(error, path, text)
        else:
            assert config.base_url.endswith("/") and config.output_dir.is_absolute()
            assert config.languages and "bogus" not in data


# --- Markdown and titles -------------------------------------------------------------------

UNSAFE_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "base", "form", "input",
               "button", "meta", "link", "svg", "textarea", "select", "template", "applet"}


class TagChecker(HTMLParser):
    """Collects every tag and attribute of an HTML fragment that could run script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.unsafe: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in UNSAFE_TAGS:
            self.unsafe.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.unsafe.append(f"{tag}[{name}]")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in ("href", "src", "xlink:href") and \
                    url.startswith(("javascript:", "vbscript:", "data:text")):
                self.unsafe.append(f"{tag}[{name}={value}]")


def check(html: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(html)
    checker.close()
    return checker


MARKUP = st.text(st.sampled_from("<>\"'`&=/\\!:;[]()$*_#|-^ \n\tabcjsvrptonerimgx01中"),
                 max_size=120) | st.lists(st.sampled_from([
                     "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg onload=x>",
                     "javascript:", "[a](", ")", "![i](", "<", ">", "](", " \"t\" ", "$",
                     "$$", "\\text{", "}", "\\href{", "[^1]", "[^1]: ", "\n\n", "| a |\n|--|\n",
                     "<a href=", "&#106;", "&colon;", "`", "```\n", "<style>", "data:text/html,",
                     "<details open ontoggle=x>", "<math><mtext>", "\"", "'", "[r]: ", "[r]",
                 ]), max_size=25).map("".join)


@settings(max_examples=300, deadline=5000)
@given(MARKUP, st.booleans())
def test_markdown_never_lets_script_through(text, allow_html):
    markdown = Markdown(allow_html)
    for html in (markdown.block(text), markdown.inline(text)):
        assert check(html).unsafe == [], html


MATHML = {"math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
          "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover",
          "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "mfenced",
          "merror", "code"}


@settings(max_examples=300, deadline=5000)
@given(MARKUP)
def test_a_title_holds_no_markup_but_math(text):
    found = check(render_title(text))
    assert found.unsafe == [] and found.tags <= MATHML


# --- importers: broken documents -----------------------------------------------------------

def seed_documents() -> list[str]:
    documents = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert documents, f"no seed documents in {SEEDS}"
    return documents


@st.composite
def broken_documents(draw) -> str:
    """A seed document with lines dropped, repeated, swapped or cut, and fragments added."""
    lines = draw(st.sampled_from(seed_documents())).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["drop", "repeat", "swap", "cut", "add"]))
        if change == "drop":
            del lines[at]
        elif change == "repeat":
            lines.insert(at, lines[at])
        elif change == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif change == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        else:
            lines.insert(at, draw(MARKUP | st.sampled_from([
                "| [^1] | [t](https://arxiv.org/abs/2403.14715) | x |\n", "[^1]: \n",
                "arXiv:2403.14715v1 Announce Type: cross  Abstract: x\n", "[论文解读] \n",
                "|---|---|---|\n", "## 详细\n", "## 摘要\n"])))
    return "".join(lines)


@settings(max_examples=200, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_broken_document_is_imported_or_refused_never_crashes(data):
    from digestgen.formats import Document, read_document
    text = data.draw(broken_documents() | MARKUP)
    path = Path("doc.md")
    try:
        document = read_document(path, text)
    except SiteError as error:
        assert_problems_point_into(error, path, text)
    else:
        assert isinstance(document, Document)
