"""What a text is indexed under and what a query looks up (search/terms.py)."""

from digestgen.search.terms import query_terms, stem, terms, title_terms, unmarked


def test_han_and_kana_are_indexed_as_overlapping_pairs():
    assert terms("理解为何") == {"理解", "解为", "为何"}
    assert terms("等") == {"等"}
    assert terms("カメラ") == {"カメ", "メラ"}


def test_words_are_lower_case_and_full_width_letters_are_letters():
    assert terms("Ｔransformers GPT-4") == {"transformer", "gpt", "4"}
    assert terms("ＧＰＴ") == {"gpt"}


def test_han_next_to_latin_letters_is_cut_apart():
    assert terms("用GPT做") == {"用", "gpt", "做"}


def test_english_words_share_a_stem_with_their_forms():
    assert {stem(w) for w in ("calibrate", "calibrated", "calibration", "calibrations")} \
        == {"calibrat"}
    assert stem("classes") == stem("class") == "class"
    assert stem("policies") == stem("policy")
    assert stem("keys") == stem("key") == "key"
    assert stem("training") == stem("trained") == "train"
    assert stem("gas") == "gas"  # no stem under three letters


def test_numbers_and_other_scripts_are_kept_as_they_are():
    assert terms("2401.12345 Ελληνικά") == {"2401", "12345", "ελληνικά"}


def test_a_query_looks_up_each_of_its_terms_once_in_order():
    assert query_terms("强化学习 Calibrate 学习") == ["强化", "化学", "学习", "calibrat"]
    assert query_terms("  ") == []


def test_a_title_s_terms_are_marked_and_unmarked_again():
    assert title_terms(["Label Smoothing", "标签平滑"]) == {
        "^label", "^smooth", "^标签", "^签平", "^平滑"}
    assert {unmarked(term) for term in title_terms(["Label Smoothing"])} == terms("Label Smoothing")
    assert not any(term.startswith("^") for term in terms("^caret ^^ x^2"))
