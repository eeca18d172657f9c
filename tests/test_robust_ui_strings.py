"""A site's UI strings may use only the placeholders each string is given: anything else is
``PATH:LINE: ...; allowed: {...}`` when the theme is loaded, never a traceback mid-build."""

from __future__ import annotations

import pytest
from test_robust_input import built, previous_build, refused  # noqa: F401

DAY = "allowed: {day}, {month}, {month_name}, {year}"


@pytest.mark.parametrize("key, value, expected", [
    ("date_format", "{nope}", f"UI string 'date_format' has an unknown placeholder {{nope}}; {DAY}"),
    ("date_format", "{year", "UI string 'date_format' is not a valid format string (expected "
                             f"'}}' before end of string); {DAY}"),
    ("date_format", "{year}}", "UI string 'date_format' is not a valid format string (Single "
                                f"'}}' encountered in format string); {DAY}"),
    ("date_format", "{}", f"UI string 'date_format' has an unknown placeholder {{}}; {DAY}"),
    ("date_format", "{0}", f"UI string 'date_format' has an unknown placeholder {{0}}; {DAY}"),
    ("date_format", "{year.__class__}", "UI string 'date_format' has an unknown placeholder "
                                        f"{{year.__class__}}; {DAY}"),
    ("date_format", "{day:{nope}}", f"UI string 'date_format' has an unknown placeholder "
                                    f"{{nope}}; {DAY}"),
    ("date_format", "{month_name:d}", "UI string 'date_format' is not a valid format string "
                                      "(Unknown format code 'd' for object of type 'str'); "
                                      + DAY),
    ("date_format", "{day:>999999999}", "UI string 'date_format' pads a value to more than 99 "
                                        "characters"),
    ("paper_count", "{n} papers", "UI string 'paper_count' has an unknown placeholder {n}; "
                                  "allowed: {count}"),
    ("back_to_row", "row {count}", "UI string 'back_to_row' has an unknown placeholder "
                                   "{count}; allowed: {n}"),
    ("issue_title_day", "{date", "UI string 'issue_title_day' is not a valid format string "
                                 "(expected '}' before end of string); allowed: {date}, {day}, "
                                 "{month}, {month_name}, {week}, {year}"),
])
def test_a_bad_placeholder_is_reported_at_its_line(built, key, value, expected):
    built.write("layouts/i18n/zh.yaml", f'home: 首页\n{key}: "{value}"\n')
    assert refused(built) == [f"layouts/i18n/zh.yaml:2: {expected}"]


def test_a_third_language_file_is_checked_too(built):
    built.write("digestgen.yaml", "title: T\nbase_url: https://a.b/\nlanguages: [zh, en, fr]\n")
    built.write("layouts/i18n/fr.yaml", "home: Accueil\n\nsite_counts: \"{issues} numéros, "
                                        "{paper} articles\"\n")
    assert refused(built) == ["layouts/i18n/fr.yaml:3: UI string 'site_counts' has an unknown "
                              "placeholder {paper}; allowed: {issues}, {papers}"]


def test_good_placeholders_and_braces_in_other_strings_build(built):
    from click.testing import CliRunner

    from digestgen.cli import main
    built.write("layouts/i18n/zh.yaml", 'date_format: "{year}/{month:02d}/{day:02d}"\n'
                                        'home: "{首页}"\n')
    result = CliRunner().invoke(main, ["build", "-q"])
    assert result.exit_code == 0, result.output
    assert "2024/03/22" in (built.output / "index.html").read_text(encoding="utf-8")


def test_a_format_string_given_as_a_list_is_reported_at_its_line(built):
    built.write("layouts/i18n/zh.yaml", "home: 首页\ndate_format: [a]\n")
    assert refused(built) == ["layouts/i18n/zh.yaml:2: UI string 'date_format' must be text, "
                              "not a list"]
