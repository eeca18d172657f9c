"""The theme's Jinja environment writes each ``{{ ... }}`` as Jinja's own would, escaped."""

import jinja2
import pytest
from markupsafe import Markup, escape

from digestgen.pages.theme import _Environment, output_escape, striptags


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


MACROS = (
    "{% macro m(x, tag='div', cls='') %}<{{ tag }} class=\"{{ cls }}\">{{ x }}</{{ tag }}>"
    "{% endmacro %}"
    "{% macro more() %}{{ varargs|join(',') }}|{{ kwargs|dictsort }}{% endmacro %}"
    "{% macro wrap(x) %}[{{ caller(x) }}]{% endmacro %}"
    "{% macro badge() %}<b>{{ s }}</b>{% endmacro %}"
    "{% macro shown(x) %}{{ x }} {{ badge() }}{% endmacro %}"
)


@pytest.mark.parametrize("call", [
    "{{ m(text) }}", "{{ m(text, 'p') }}", "{{ m(text, 'p', 'c') }}", "{{ m(text, cls='k') }}",
    "{{ m(x=text) }}", "{{ more(1, 2, a=3) }}", "{% call(v) wrap(text) %}<i>{{ v }}</i>{% endcall %}",
    "{% for t in [text, 'b'] %}{{ m(t, loop.index) }}{% endfor %}", "{{ shown(text) }}", "{{ m(shown) }}",
    "{% set b = m(text)|length %}{{ b }}", "{% autoescape false %}{{ m(text) }}{% endautoescape %}",
])
def test_a_macro_gives_what_jinja_gives(call):
    values = {"text": "<a href='x'>&", "s": "<UI>"}
    expected = jinja2.Environment(autoescape=True).from_string(MACROS + call).render(values)
    assert _Environment(autoescape=True).from_string(MACROS + call).render(values) == expected


@pytest.mark.parametrize("call", ["{{ m(1, 2, 3, 4) }}", "{{ m(1, nope=2) }}",
                                  "{{ m(1, x=2) }}"])
def test_a_wrong_macro_call_fails_as_in_jinja(call):
    with pytest.raises(TypeError) as jinja_error:
        jinja2.Environment(autoescape=True).from_string(MACROS + call).render()
    with pytest.raises(TypeError) as our_error:
        _Environment(autoescape=True).from_string(MACROS + call).render()
    assert str(our_error.value) == str(jinja_error.value)


#: Templates of a site that extends, includes and imports: each page is rendered by our
#: environment and by Jinja's, which must agree to the byte.
LAYOUTS = {
    "base.html": "<h>{% block title %}T{% endblock %}</h>{% include 'part.html' %}"
                 "{% include 'plain.html' without context %}"
                 "{% include ['none.html', 'part.html'] %}{% include 'none.html' ignore missing %}"
                 "<m>{% block main %}{% endblock %}</m>{% for i in [1, 2] %}"
                 "{% block looped scoped %}{{ i }}{% endblock %}{% endfor %}"
                 "{{ self.title() }}",
    "part.html": "<p>{{ page }}</p>{% include 'plain.html' without context %}",
    "plain.html": "<i>plain</i>",
    "lib.html": "{% macro hello(x) %}<b>{{ x }} {{ page }}</b>{% endmacro %}",
    "child.html": "before{% extends 'base.html' %}{% import 'lib.html' as lib with context %}"
                  "{% block title %}{{ super() }}+{{ page }}{% endblock %}"
                  "{% block main %}{% filter upper %}{{ lib.hello(page) }}{% endfilter %}"
                  "{% set kept %}{% include 'part.html' %}{% endset %}{{ kept }}"
                  "{% for x in tree recursive %}[{{ x.n }}{{ loop(x.kids) }}]{% endfor %}"
                  "{% include 'plain.html' without context %}{% endblock %}",
    "grandchild.html": "{% extends 'child.html' %}{% block looped %}<{{ super() }}>{% endblock %}",
    "maybe.html": "{% if page == 'x' %}{% extends 'base.html' %}{% endif %}<own>{{ page }}</own>"
                  "{% block main %}main{% endblock %}{% include 'plain.html' without context %}",
}


@pytest.mark.parametrize("name", ["base.html", "child.html", "grandchild.html", "maybe.html"])
@pytest.mark.parametrize("page", ["x", "<y>"])
def test_a_page_of_blocks_includes_and_imports_is_what_jinja_makes(name, page):
    values = {"page": page, "tree": [{"n": 1, "kids": [{"n": 2, "kids": []}]}]}
    pages = [environment(loader=jinja2.DictLoader(LAYOUTS), autoescape=True)
             .get_template(name).render(values)
             for environment in (_Environment, jinja2.Environment)]
    assert pages[0] == pages[1]
    assert "<i>plain</i>" in pages[0]


def test_functions_and_methods_are_called_as_jinja_calls_them():
    @jinja2.pass_context
    def who(context, suffix):
        return context["page"] + suffix

    def stops():
        raise StopIteration

    source = ("{{ who('!') }} {{ when.isoformat() }} {{ 'a-b'.replace('-', '_') }} "
              "{{ d.get('k') }} {{ f('x', sep=1) }} {{ stops() is undefined }} "
              "{{ '{n}'.format(n=page) }} {{ range(3)|list }}")
    values = {"who": who, "stops": stops, "page": "p", "d": {"k": "v"},
              "when": __import__("datetime").date(2024, 3, 22),
              "f": lambda value, sep: f"{value}{sep}"}
    pages = [environment().from_string(source).render(values)
             for environment in (_Environment, jinja2.Environment)]
    assert pages[0] == pages[1] == "p! 2024-03-22 a_b v x1 True p [0, 1, 2]"


def test_a_function_given_the_context_sees_the_variables_of_its_block_and_loop():
    @jinja2.pass_context
    def see(context, name):
        return context.get(name, "-")

    source = ("{% block b %}{% set x = 'in block' %}{{ see('x') }}{% for i in [1] %}"
              "{% set y = 'in loop' %}{{ see('y') }}{% endfor %}{% endblock %}")
    pages = [environment().from_string(source).render(see=see)
             for environment in (_Environment, jinja2.Environment)]
    assert pages[0] == pages[1] == "in blockin loop"


def test_a_template_sees_the_globals_it_is_given():
    environment = _Environment(loader=jinja2.DictLoader({"g.html": "{{ a }}{{ b }}"}))
    environment.globals["a"] = "env"
    assert environment.get_template("g.html", globals={"b": "own"}).render() == "envown"


LIBRARIES = {
    "lib.html": "{# macros only #}\n{% macro badge() %}<b lang=\"{{ lang }}\">{{ s.word }}</b>"
                "{% endmacro %}\n{% macro who() %}{{ page }}{{ badge() }}{% endmacro %}\n",
    "counting.html": "{% set seen = namespace(n=0) %}"
                     "{% macro count() %}{% set seen.n = seen.n + 1 %}{{ seen.n }}{% endmacro %}",
    "including.html": "{% macro part() %}{% include 'part.html' %}{% endmacro %}",
    "part.html": "<p>{{ page }}</p>",
    "page.html": "{% from 'lib.html' import who with context %}"
                 "{% from 'counting.html' import count with context %}"
                 "{% from 'including.html' import part with context %}"
                 "{% for page in ['loop'] %}{% from 'lib.html' import who as inner with context %}"
                 "{{ inner() }}{% endfor %}|{{ who() }}|{{ count() }}{{ count() }}|{{ part() }}",
}


def test_a_library_of_macros_shows_each_page_what_jinja_shows():
    pages = [("a", "en"), ("b", "en"), ("b", "zh"), ("b", "zh")]
    strings = {"en": {"word": "word"}, "zh": {"word": "词"}}
    ours = _Environment(loader=jinja2.DictLoader(LIBRARIES), autoescape=True)
    jinjas = jinja2.Environment(loader=jinja2.DictLoader(LIBRARIES), autoescape=True)
    for page, lang in pages:
        values = {"page": page, "lang": lang, "s": strings[lang]}
        expected = jinjas.get_template("page.html").render(values)
        assert ours.get_template("page.html").render(values) == expected
        assert f"|{page}<b lang=\"{lang}\">{strings[lang]['word']}</b>|12|<p>{page}</p>" in expected


def test_a_library_is_made_once_for_the_same_values():
    environment = _Environment(loader=jinja2.DictLoader(LIBRARIES), autoescape=True)
    library = environment.get_template("lib.html")
    strings = {"word": "w"}
    first = library.make_module({"page": "a", "lang": "en", "s": strings}, True)
    assert library.make_module({"page": "a", "lang": "en", "s": strings, "x": 1}, True) is first
    assert library.make_module({"page": "b", "lang": "en", "s": strings}, True) is not first
    counting = environment.get_template("counting.html")  # not a library: its own state
    values = dict(environment.globals)
    assert counting.make_module(values, True) is not counting.make_module(values, True)


@pytest.mark.parametrize("value", [
    "A plain  title\n", "标签平滑\u3000 on\ttabs", "Tom &amp; Jerry", "<b>bold</b> &lt;x&gt;",
    "a <!-- <i>c</i> --> b", Markup("<em>ok</em>  x"), Shown(), 42, None, "", "x < y", "R&D",
])
def test_striptags_gives_what_jinja_gives(value):
    expected = jinja2.filters.do_striptags(value)
    assert striptags(value) == expected and type(striptags(value)) is type(expected)



def test_the_built_in_macro_libraries_read_nothing_of_a_page_but_its_language(site):
    # What they read is the same on every page of a language, so each page uses them again.
    from digestgen.configload import load_config
    from digestgen.pages.theme import load_theme
    env = load_theme(load_config(site.config_path)).env
    for name in ("_macros.html", "_cite.html"):
        assert set(env.get_template(name).library_reads) <= {"alt", "s", "site"}, name
