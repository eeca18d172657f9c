"""Paper records as the cache keeps them (digestgen.incremental.records): pickled and read back, a record is the same record,
and its texts are unpickled only when something reads them."""

import pickle
from datetime import date
from pathlib import Path

from digestgen.incremental.records import BODY_FIELDS
from digestgen.incremental.storage import dumps
from digestgen.content.records import ArxivInfo, Paper, Text


def paper(**changes) -> Paper:
    fields = dict(id="2403.14715", title=Text({"en": "Label smoothing", "zh": "标签平滑"}),
                  date=date(2024, 3, 22), source=Path("content/papers/2403.14715.yaml"),
                  authors=("Guoxuan Xia",), abstract=Text({"en": "Label smoothing is popular."}),
                  review={}, tags=("calibration",), arxiv=ArxivInfo(categories=("cs.LG",)),
                  id_line=1)
    return Paper(**{**fields, **changes})


def test_a_paper_read_back_is_equal_in_every_field():
    original = paper()
    again = pickle.loads(dumps(original))
    assert again == original and original == again
    assert again.abstract == Text({"en": "Label smoothing is popular."})
    assert (again.authors, again.tags, again.categories) == (("Guoxuan Xia",), ("calibration",),
                                                              ("cs.LG",))
    assert again != paper(abstract=Text({"en": "Another abstract."}))
    assert pickle.loads(pickle.dumps(original)) == original  # elsewhere: pickled as a dataclass


def test_the_texts_stay_a_blob_until_read_and_pickle_again_the_same():
    blob = dumps(paper())
    again = pickle.loads(blob)
    assert not any(name in vars(again) for name in BODY_FIELDS)
    # What the site model reads of every paper in every build:
    assert (again.slug, again.date, again.tags, again.categories, again.draft) == (
        "2403.14715", date(2024, 3, 22), ("calibration",), ("cs.LG",), False)
    assert not any(name in vars(again) for name in BODY_FIELDS) and "_values" not in vars(again)
    assert dumps(again) == blob  # kept as read, without unpickling its texts
    assert again.source == Path("content/papers/2403.14715.yaml") and dumps(again) == blob
    assert again.title.values["zh"] == "标签平滑" and "_values" in vars(again)
    assert again.arxiv == ArxivInfo(categories=("cs.LG",))
    assert "_blob" not in vars(again)  # once read, the texts are kept once, not twice
    assert dumps(again) == blob
