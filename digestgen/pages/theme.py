"""The theme: Jinja2 templates and per-language UI strings, built-in or overridden by a site.

A site's ``layouts/`` overrides the built-in theme file by file; a site template can extend the
built-in one it replaces as ``{% extends "builtin:issue.html" %}``. UI strings live in
``i18n/<lang>.yaml``; a site's file overrides the built-in strings key by key, so adding a
language is adding one file.
"""

from __future__ import annotations

import re
import string
import types
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.compiler
import jinja2.meta
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
from markupsafe import Markup, escape

from ..config import SiteConfig
from ..errors import Problem, SiteError
from .themefiles import builtin_layouts
from ..content.yamlsrc import parse_yaml, read_text
from ..incremental.templates import template_cache

BUILTIN_PREFIX = "builtin"
#: The UI strings that are format strings, each with an example of every value it is given.
_DAY = {"year": 2024, "month": 3, "day": 22, "month_name": "March"}
_ISSUE_TITLE = {**_DAY, "date": "March 22, 2024", "week": 12}
PLACEHOLDERS: dict[str, dict[str, object]] = {
    "date_format": _DAY,
    "issue_title_day": _ISSUE_TITLE, "issue_title_week": _ISSUE_TITLE,
    "issue_title_month": _ISSUE_TITLE,
    "site_counts": {"issues": 3, "papers": 18}, "paper_count": {"count": 6},
    "back_to_row": {"n": 1}, "go_to_details": {"n": 1}, "search_count": {"n": 1},
    "page_title": {"title": "Archive", "n": 2, "count": 3}, "page_number": {"n": 2},
    "stats_intro": {"issues": 3, "papers": 18},
    "stats_percent": {"percent": 50, "count": 9, "total": 18},
}

try:  # markupsafe's escaping of a str, in C, without wrapping the result in Markup
    from markupsafe import _escape_inner
except ImportError:  # another markupsafe: the same text, by its public function
    def _escape_inner(text: str) -> str:
        return str(escape(text))


def output_escape(value: object) -> str:
    """What ``{{ value }}`` writes into a page: the text of ``markupsafe.escape(value)``.
    Jinja calls ``escape`` itself, which wraps every value in a new ``Markup`` (two Python
    calls and a copy of the text) only for the page to join it: a fifth of the time a page
    took to render."""
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is Markup:
        return value
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_inner(str(value))


def striptags(value: object) -> str:
    """Jinja's ``striptags`` filter (and ``Markup.striptags``): the text without tags, entities
    unescaped, spaces collapsed. A text with no tag and no entity (most titles) is only
    collapsed, the same text without the Markup copies and the unescaping (3 µs, three times
    a paper page)."""
    text = str(value.__html__() if hasattr(value, "__html__") else value)
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    return Markup(text).striptags()


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, writing the value of each ``{{ ... }}`` that is autoescaped
    through :func:`output_escape` (``tests/test_theme.py`` checks that it does), each macro as
    a :class:`_Macro`, the text of each root and block function gathered in a list, and what
    a library of macros reads (:class:`_Template`)."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.output_escape(")
            if finalize.src is not None:
                self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)

    # -- a page's text is gathered in a list, not yielded piece by piece ------------------
    # Jinja's root and block functions are generators that yield each piece of text alone
    # (some 300 on a paper page), and each piece is passed up through every template the page
    # extends. Here each root and block function appends its pieces to a list, as Jinja's
    # macros do, and yields their join once: a paper page renders some 3% faster.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gathering: list = []  # the root or block frames gathering text, innermost last

    def enter_frame(self, frame) -> None:
        if frame.parent is None and frame.buffer is None and (frame.rootlevel or
                                                              frame.block_frame):
            self.buffer(frame)
            self.gathering.append(frame)
        super().enter_frame(frame)

    def leave_frame(self, frame, with_python_scope: bool = False) -> None:
        super().leave_frame(frame, with_python_scope)
        if self.gathering and self.gathering[-1] is frame:
            self.gathering.pop()
            self.writeline(f"yield concat({frame.buffer})")

    def visit_Include(self, node, frame) -> None:
        if frame.buffer is None or node.with_context:
            return super().visit_Include(node, frame)
        # Jinja yields an include without context even where text is gathered in a list (out
        # of order): the same include, its text appended.
        if node.ignore_missing:
            self.writeline("try:")
            self.indent()
        self.writeline("template = environment.get_or_select_template(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        if node.ignore_missing:
            self.outdent()
            self.writeline("except TemplateNotFound:")
            self.writeline("    pass")
            self.writeline("else:")
            self.indent()
        self.writeline(f"{frame.buffer}.extend(template._get_default_module()._body_stream)")
        if node.ignore_missing:
            self.outdent()

    def visit_Template(self, node, frame=None) -> None:
        reads = _library_reads(node)
        super().visit_Template(node, frame)
        self.writeline(f"library_reads = {reads!r}")  # see _Template.make_module

    def macro_def(self, macro_ref, frame) -> None:
        # ``environment.Macro(...)``: each macro a :class:`_Macro`, which the context calls
        # without Jinja's general checks.
        self.write("environment.")
        super().macro_def(macro_ref, frame)


_MISSING = jinja2.runtime.missing
_PASSES_CONTEXT_ON = (jinja2.nodes.Include, jinja2.nodes.Import, jinja2.nodes.FromImport)


def _library_reads(template: jinja2.nodes.Template) -> tuple[str, ...] | None:
    """The names a library of macros reads from the page that imports it, or None when the
    template is more than macros: its top level holds only macros and plain text (no ``set``,
    no ``{{ ... }}``), and nothing in it includes or imports, which would hand on the page's
    whole context."""
    for node in template.body:
        if not isinstance(node, jinja2.nodes.Macro) and not (
                isinstance(node, jinja2.nodes.Output)
                and all(isinstance(part, jinja2.nodes.TemplateData) for part in node.nodes)):
            return None
    if next(template.find_all(_PASSES_CONTEXT_ON), None) is not None:
        return None
    return tuple(sorted(jinja2.meta.find_undeclared_variables(template)))


def _read(name: str, values: dict, locals: dict | None):
    """The value of ``name`` in the context Jinja makes of ``values`` and ``locals``."""
    value = locals.get(name, _MISSING) if locals else _MISSING
    return values.get(name, _MISSING) if value is _MISSING else value


class _Template(jinja2.Template):
    """A template whose module is kept while it is imported with the same values: a library
    of macros (:func:`_library_reads`) imported ``with context`` makes every macro again (some
    14 µs for ``_macros.html``) though its macros read only a few names of the page, ``s`` and
    ``site``, which are the same on every page of a language. Its last module serves again
    when each name it reads has the very same value, so it is the module Jinja would make."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        template = super()._from_namespace(environment, namespace, globals)
        template.library_reads = namespace.get("library_reads")
        template.kept = None  # (the values read, the module made with them)
        return template

    def make_module(self, vars=None, shared=False, locals=None):
        reads = self.library_reads
        if reads is None or not shared or vars is None:  # not a library imported with context
            return super().make_module(vars, shared, locals)
        values = tuple(_read(name, vars, locals) for name in reads)
        kept = self.kept
        if kept is not None and all(a is b for a, b in zip(kept[0], values)):
            return kept[1]
        module = super().make_module(vars, shared, locals)
        self.kept = (values, module)
        return module


class _Macro(jinja2.runtime.Macro):
    """A template's macro, called by :meth:`_Context.call` at the cost of its own code: Jinja's
    way took two to three times that (a check of the callee for every call, the arguments
    sorted out one by one, an exception for each one left out), and a page calls macros some
    thirty times."""

    @jinja2.utils.internalcode
    def call_in(self, eval_ctx: jinja2.nodes.EvalContext, args: tuple, kwargs: dict):
        """What ``{{ macro(*args, **kwargs) }}`` gives: the same as Jinja's call."""
        left_out = self._argument_count - len(args)
        if kwargs or left_out < 0 or self.caller or self.catch_kwargs or self.catch_varargs:
            return self(eval_ctx, *args, **kwargs)  # Jinja's own way (and its errors)
        # What a call leaves out is Jinja's `missing`: the macro then uses its default.
        rv = self._func(*args, *(_MISSING,) * left_out) if left_out else self._func(*args)
        return Markup(rv) if eval_ctx.autoescape else rv

    def __repr__(self) -> str:  # as Jinja's: a template may show a macro
        return f"<Macro {'anonymous' if self.name is None else repr(self.name)}>"


def _plain(obj: object) -> bool:
    """Whether ``obj`` is called as it is: a built-in function or method (``date.isoformat``,
    ``str.format``), or a Python function or bound method that Jinja is not asked to pass its
    context, eval context or environment to (no ``jinja_pass_arg``)."""
    kind = type(obj)
    if kind is types.BuiltinFunctionType or kind is types.MethodWrapperType:
        return True
    if kind is types.MethodType:
        obj, kind = obj.__func__, type(obj.__func__)
    return kind is types.FunctionType and "jinja_pass_arg" not in obj.__dict__


class _Context(jinja2.runtime.Context):
    """Jinja's context, calling a :class:`_Macro` directly, and a plain function or method
    (``asset(...)``, ``date.isoformat()``) without Jinja's check for a context to pass it: that
    check looks up an attribute the callee does not have twice, and each miss raises inside
    Python (about 2 µs a call, a dozen calls a page)."""

    @jinja2.utils.internalcode
    def call(__self, __obj, *args, _block_vars=None, _loop_vars=None,  # noqa: N805 (Jinja's)
             **kwargs):
        # The variables of the calling block and loop, which Jinja passes to every call, are
        # parameters: no dict is made for them, and only a pass_context callee gets them.
        is_macro = type(__obj) is _Macro
        if not is_macro and not _plain(__obj):
            return super().call(__obj, *args, _block_vars=_block_vars, _loop_vars=_loop_vars,
                                **kwargs)
        try:
            if is_macro:
                return __obj.call_in(__self.eval_ctx, args, kwargs)
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable "
                                                "raised a StopIteration exception")


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    context_class = _Context
    template_class = _Template
    Macro = _Macro
    output_escape = staticmethod(output_escape)

    def make_globals(self, d):
        """A template's globals as one dict, not Jinja's chain of the template's over the
        environment's: every context a page makes (the page's, each include's and each import's)
        copies them, and copying a chain is slow. (The environment's globals are set before any
        template is loaded, and never changed.)"""
        return {**self.globals, **(d or {})}


@dataclass(frozen=True)
class Theme:
    env: jinja2.Environment
    strings: dict[str, dict[str, str]]  # language -> key -> UI string
    static_dirs: tuple[Path, ...]  # copied to the output root, later ones winning

    def template(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise SiteError([template_problem(exc)]) from None
        except jinja2.TemplateNotFound as exc:
            raise SiteError([Problem(Path("layouts") / name, None,
                                     f"template not found: {exc.name}")]) from None


def template_problem(exc: jinja2.TemplateSyntaxError) -> Problem:
    path = Path(exc.filename) if exc.filename else Path("layouts") / (exc.name or "?")
    return Problem(path, exc.lineno, f"template error: {exc.message}")


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, reporting a template that is not UTF-8 as a template error."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            for folder in self.searchpath:
                path = Path(folder, template)
                if path.is_file():
                    raw = path.read_bytes()
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        line = raw[: exc.start].count(b"\n") + 1
                        raise jinja2.TemplateSyntaxError("not valid UTF-8 text", line, template,
                                                         str(path)) from None
            raise


def load_theme(config: SiteConfig) -> Theme:
    """The theme of a site: its own ``layouts/`` over the built-in one."""
    builtin = builtin_layouts()
    folders = [d for d in (config.layouts_dir, builtin) if d.is_dir()]
    loader = jinja2.ChoiceLoader([
        _Loader([str(d) for d in folders]),
        jinja2.PrefixLoader({BUILTIN_PREFIX: _Loader(str(builtin))},
                            delimiter=":"),
    ])
    env = _Environment(
        loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, auto_reload=False,
        cache_size=-1, bytecode_cache=template_cache(config.cache_dir / "templates", builtin),
    )
    env.filters["striptags"] = striptags
    # `tojson` writes a page's JSON as its text (not as \uXXXX escapes) and without spaces:
    # it is emitted into single-quoted attributes, where it escapes <, >, & and ' itself.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False,
                                         "separators": (",", ":")}
    strings = _load_strings(config, [builtin, config.layouts_dir])
    static = tuple(d / "static" for d in (builtin, config.layouts_dir) if (d / "static").is_dir())
    return Theme(env, strings, static)


def placeholder_problem(key: str, value: str) -> str | None:
    """What is wrong with the placeholders of the UI string ``key``, or None. A format string
    may name only the values it is given, each as plain ``{name}`` (with a format spec that
    suits the value, such as ``{day:02d}``)."""
    examples = PLACEHOLDERS.get(key)
    if examples is None:
        return None  # not a format string: braces are text
    allowed = ", ".join(f"{{{name}}}" for name in sorted(examples))
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(value)
                  if name is not None]
        unknown = [name for name, _ in fields if name not in examples]
        if unknown:
            return f"UI string '{key}' has an unknown placeholder {{{unknown[0]}}}; " \
                   f"allowed: {allowed}"
        if any(re.search(r"\d{3,}", spec or "") for _, spec in fields):
            return f"UI string '{key}' pads a value to more than 99 characters"
        value.format(**examples)
    except KeyError as exc:  # in a format spec: {day:{nope}}
        return f"UI string '{key}' has an unknown placeholder {{{exc.args[0]}}}; " \
               f"allowed: {allowed}"
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        return f"UI string '{key}' is not a valid format string ({exc}); allowed: {allowed}"
    return None


def _load_strings(config: SiteConfig, folders: list[Path]) -> dict[str, dict[str, str]]:
    problems: list[Problem] = []
    strings: dict[str, dict[str, str]] = {}
    for lang in dict.fromkeys([*config.languages, "en"]):
        merged: dict[str, str] = {}
        for folder in folders:
            path = folder / "i18n" / f"{lang}.yaml"
            if not path.is_file():
                continue
            try:
                data = parse_yaml(read_text(path), path)
            except SiteError as exc:
                problems.extend(exc.problems)
                continue
            if not isinstance(data, dict):
                problems.append(Problem(path, 1, "UI strings must be a mapping of key to text"))
                continue
            for key, value in data.items():
                if isinstance(value, list) and key in PLACEHOLDERS:  # a format string
                    problems.append(Problem(path, data.line_of(key),
                                            f"UI string '{key}' must be text, not a list"))
                elif isinstance(value, list):
                    merged[key] = [str(v) for v in value]
                elif isinstance(value, (str, int)):
                    merged[key] = str(value)
                    if (wrong := placeholder_problem(key, merged[key])) is not None:
                        problems.append(Problem(path, data.line_of(key), wrong))
                else:
                    problems.append(Problem(path, data.line_of(key),
                                            f"UI string '{key}' must be text"))
        strings[lang] = merged
    if problems:
        raise SiteError(problems)
    english = strings.get("en", {})
    # A language without its own file (or key) shows the English string.
    return {lang: {**english, **values} for lang, values in strings.items()}
