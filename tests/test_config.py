"""digestgen.yaml: defaults, every key checked, problems reported with lines."""

import os
import time
from pathlib import Path

import pytest

from digestgen import configfile
from digestgen.incremental import storage as cache
from digestgen.config import find_config
from digestgen.configload import load_config
from digestgen.errors import SiteError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digestgen.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SiteError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_minimal_config_takes_the_spec_defaults(tmp_path):
    config = load_config(write(tmp_path, "title: T\nbase_url: https://a.github.io/digest\n"))
    assert config.languages == ("zh", "en")
    assert config.default_language == "zh"
    assert config.source_language == "en"
    assert config.issue_period == "day"
    assert config.output_dir == (tmp_path / "site").resolve()
    assert config.markdown.html is False
    assert config.arxiv_api == "https://export.arxiv.org/api/query"
    assert config.base_url == "https://a.github.io/digest/"
    assert config.base_path == "/digest/"


def test_unknown_key_names_the_closest_known_key(tmp_path):
    path = write(tmp_path, "title: T\nbase_url: https://a.b/\nlangauges: [zh, en]\n")
    assert problems(path) == [f"{path}:3: unknown key 'langauges' (did you mean 'languages'?)"]


def test_all_problems_are_reported_together_with_lines(tmp_path):
    path = write(tmp_path, "issue_period: fortnight\nmarkdown: {html: yes please}\n"
                           "languages: [zh, zh]\n")
    found = problems(path)
    assert f"{path}:1: 'title' is required" in found
    assert f"{path}:1: 'base_url' is required" in found
    assert f"{path}:1: 'issue_period' must be one of day, week, month, not 'fortnight'" in found
    assert any(p.startswith(f"{path}:2: 'markdown.html' must be true or false") for p in found)
    assert f"{path}:3: language 'zh' is listed twice" in found


def test_base_url_must_be_a_web_url(tmp_path):
    path = write(tmp_path, "title: T\nbase_url: ftp://example.org/\n")
    assert problems(path) == [f"{path}:2: 'base_url' must be an http(s) URL, "
                              "not 'ftp://example.org/'"]


def test_config_is_found_in_a_folder_above(tmp_path):
    path = write(tmp_path, "title: T\nbase_url: https://a.b/\n")
    deep = tmp_path / "content" / "papers"
    deep.mkdir(parents=True)
    assert find_config(deep) == path.resolve()


def test_broken_yaml_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, "title: T\nbase_url: [https://a.b/\n")
    found = problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:3: invalid YAML")


@pytest.fixture
def no_racy_wait(monkeypatch):
    """Files changed just now count as settled (a test need not wait two seconds for that)."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


def test_a_configuration_read_before_is_not_parsed_again(tmp_path, monkeypatch, no_racy_wait):
    path = write(tmp_path, "title: T\nbase_url: https://a.b/\n")
    first = load_config(path)

    def parse_again(path):
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(configfile, "read_config", parse_again)
    assert load_config(path) == first


def test_an_edited_configuration_is_read_again_even_at_the_same_size_and_mtime(tmp_path):
    path = write(tmp_path, "title: A\nbase_url: https://a.b/\n")
    os.utime(path, (1_600_000_000, 1_600_000_000))
    time.sleep(2.1)  # until the file is settled and its configuration cached
    assert load_config(path).title_in("en") == "A"
    assert (tmp_path / ".digestgen-cache" / "config.pickle").exists()
    path.write_text("title: B\nbase_url: https://a.b/\n", encoding="utf-8")
    os.utime(path, (1_600_000_000, 1_600_000_000))  # only the ctime tells
    assert load_config(path).title_in("en") == "B"


def test_a_configuration_changed_just_now_is_not_cached(tmp_path):
    path = write(tmp_path, "title: A\nbase_url: https://a.b/\n")
    load_config(path)
    assert not (tmp_path / ".digestgen-cache" / "config.pickle").exists()


def test_the_output_folder_is_found_again_through_a_changed_symlink(tmp_path, no_racy_wait):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "one")
    path = write(tmp_path, "title: T\nbase_url: https://a.b/\noutput_dir: out/site\n")
    assert load_config(path).output_dir == tmp_path.resolve() / "one" / "site"
    (tmp_path / "out").unlink()
    (tmp_path / "out").symlink_to(tmp_path / "two")
    assert load_config(path).output_dir == tmp_path.resolve() / "two" / "site"


def test_a_broken_cache_file_is_ignored(tmp_path, no_racy_wait):
    path = write(tmp_path, "title: T\nbase_url: https://a.b/\n")
    load_config(path)
    (tmp_path / ".digestgen-cache" / "config.pickle").write_bytes(b"\x80\x05not a pickle")
    assert load_config(path).title_in("en") == "T"
