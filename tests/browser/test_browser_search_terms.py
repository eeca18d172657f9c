"""The search box cuts a query into terms as the index cut the pages (search/terms.py), and
finds a term's bucket as the index put it there (search/segments.py): both rule sets exist twice,
in Python and in ``digest.js``, and are compared here word for word in Chromium."""

from pathlib import Path

from digestgen.search.segments import term_hash
from digestgen.search.terms import ENDINGS, query_terms

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "layouts/static/assets/digest.js"
DEMO = ROOT / "content"

#: Words at the edges of the rules: every ending, too short a stem, y after a vowel, letters
#: that NFKC or lower-casing change, scripts on either side of the Han and kana ranges,
#: joiners and marks, digits.
EDGES = [
    *(f"calibr{ending}" for ending, _ in ENDINGS), *(f"ab{ending}" for ending, _ in ENDINGS),
    "keys", "policy", "gas", "class", "classes", "ies", "sses", "ESSES", "Ｔransformers",
    "ＧＰＴ-４", "ﬁnetuning", "Straße", "İstanbul", "Ωmega", "naïve", "nai\u0308ve", "e\u0301t\u00e9",
    "理解为何", "等", "カタカナ", "ｶﾀｶﾅ", "ひらがな", "한국어", "BERT模型", "用GPT做", "㈱", "①②",
    "x²", "½", "a_b", "foo-bar", "it's", "C++", "3D", "2024年", "〇", "々", "ー", "ㇰ", "𠀋",
    "\u200dzero\u200bwidth", "Ⅻ", "ﾞ", "٣٤", "ǅemal",
]


def _between(text: str, start: str, end: str) -> str:
    at = text.index(start)
    return text[at:text.index(end, at)]


def _script_rules() -> str:
    """The search box's terms (``termsOf``) and buckets (``bucketOf``), cut out of digest.js."""
    script = SCRIPT.read_text(encoding="utf-8")
    return (_between(script, "const CJK =", "// Where a term is")
            + _between(script, "const encoder =", "// A bucket's terms"))


def _demo_words() -> list[str]:
    """Every whitespace-separated word of the demo digest's papers, once."""
    words = {}
    for path in sorted(DEMO.rglob("*.yaml")):
        for word in path.read_text(encoding="utf-8").split():
            words.setdefault(word)
    return list(words)


def _in_the_box(page, queries: list[str]) -> list[dict]:
    return page.evaluate(f"""(queries) => {{
        {_script_rules()}
        return queries.map((query) => ({{
            terms: termsOf(query),
            hashes: termsOf(query).map((term) => bucketOf(term, 2 ** 31)),
        }}));
    }}""", queries)


def test_the_search_box_cuts_every_word_of_the_demo_as_the_index_does(open_page):
    words = _demo_words()
    assert len(words) > 1000  # the seeds' papers, in both languages
    found = _in_the_box(open_page(""), words)
    differing = [(word, box["terms"], query_terms(word)) for word, box in zip(words, found)
                 if box["terms"] != query_terms(word)]
    assert differing == []


def test_the_search_box_cuts_the_edge_cases_as_the_index_does(open_page):
    found = _in_the_box(open_page(""), EDGES)
    assert [box["terms"] for box in found] == [query_terms(word) for word in EDGES]


def test_the_search_box_finds_each_term_in_the_bucket_the_index_put_it_in(open_page):
    words = _demo_words() + EDGES
    found = _in_the_box(open_page(""), words)
    for word, box in zip(words, found):
        assert box["hashes"] == [term_hash(term) & (2 ** 31 - 1) for term in box["terms"]], word
