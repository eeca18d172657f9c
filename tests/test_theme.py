"""The theme's Jinja environment writes each ``{{ ... }}`` as Jinja's own would, escaped."""

import jinja2
import pytest
from markupsafe import Markup, escape

from digestgen.pages.theme import _Environment, output_escape


class Shown:
    def __html__(self):
        return "<b>shown</b>"


@pytest.mark.parametrize("value", [
    "plain", "<script>alert('x') & \"y\"</script>", "", "标签平滑 <i>", Markup("<em>ok</em>"),
    Shown(), 42, 3.5, None, True,
])
def test_a_value_is_written_as_markupsafe_escapes_it(value):
    written = output_escape(value)
    assert written == str(escape(value))
    assert type(written) in (str, Markup)


def test_templates_write_through_it_and_their_pages_are_unchanged():
    source = ("<p title=\"{{ title }}\">{{ text }} {{ markup }} {{ n }}</p>"
              "{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{{ m(text) }}"
              "{% set block %}<b>{{ text }}</b>{% endset %}{{ block }}"
              "{% autoescape false %}{{ text }}{% endautoescape %}")
    values = {"title": '"><script>', "text": "<a href='javascript:x'>&", "n": 7,
              "markup": Markup("<em>safe</em>")}
    ours = _Environment(autoescape=True)
    assert "environment.output_escape(" in ours.compile(source, raw=True)
    expected = jinja2.Environment(autoescape=True).from_string(source).render(values)
    assert ours.from_string(source).render(values) == expected
    assert "<script>" not in expected and "&lt;a href=&#39;javascript:x&#39;&gt;&amp;" in expected
