"""Reading ``digestgen.yaml`` into a :class:`~digestgen.config.SiteConfig`: every key is
checked and every problem reported with its line (SPEC 1.1)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from .config import DEFAULT_ARXIV_API, MarkdownOptions, SiteConfig, SiteText, closest
from .dailyconfig import read_daily
from .errors import ConfigError, Problem, SiteError
from .content.records import name_too_long
from .content.validate import Checker
from .content.yamlsrc import YamlMap, line_of, parse_yaml, read_text

PERIODS = ("day", "week", "month")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")

_KEYS = {
    "title", "description", "base_url", "languages", "source_language", "issue_period",
    "output_dir", "repo_url", "markdown", "arxiv_api", "search", "translate", "daily",
}
_MARKDOWN_KEYS = {"html"}


def read_config(path: Path) -> SiteConfig:
    """The configuration in ``path`` (an absolute, resolved path); its ``output_dir`` is not
    resolved yet."""
    try:
        data = parse_yaml(read_text(path), path)
    except SiteError as exc:
        raise ConfigError(exc.problems, _fallback(path)) from None
    if not isinstance(data, YamlMap):
        raise ConfigError([Problem(path, 1, "the configuration must be a mapping of keys")],
                          _fallback(path))
    return _ConfigReader(path, data).read()


def _fallback(path: Path, **values) -> SiteConfig:
    """A configuration to check the content with while the file has errors: every value
    that was wrong or missing is its default."""
    title = values.pop("title", None) or (("en", "?"),)
    base_url = values.pop("base_url", None) or "https://example.invalid/"
    return SiteConfig(path=path, title=title, base_url=base_url, **values)


class _ConfigReader(Checker):
    """The configuration's keys, checked as records' fields are (:class:`Checker`: the same
    rules, the same messages), and the few that only a configuration has."""

    def __init__(self, path: Path, data: YamlMap):
        super().__init__(path, data, None, [])

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:  # at the start of the mapping that lacks it
                self.problems.append(Problem(self.path, self.data.line or 1,
                                             f"'{key}' is required"))
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"'{key}' must be a non-empty string")
            return None
        return value

    def site_text(self, key: str, source_language: str, known: set[str],
                  required: bool = False) -> SiteText | None:
        """A text (SPEC 1.2): a plain string, in ``source_language``, or ``{zh: ..., en: ...}``
        in the languages the site knows."""
        value = self.data.get(key)
        if not isinstance(value, dict):
            text = self.text(key, required)
            return ((source_language, text),) if text is not None else None
        pairs = []
        for code, string in value.items():
            if code not in known:
                self.problem(code, f"'{key}' has a text in '{code}', which is neither in "
                                   f"'languages' nor the 'source_language'", value)
            elif not isinstance(string, str) or not string.strip():
                self.problem(code, f"'{key}.{code}' must be a non-empty string", value)
            else:
                pairs.append((code, string))
        if not value:
            self.problem(key, f"'{key}' must be a string or a mapping such as "
                              "{zh: ..., en: ...}")
        return tuple(pairs) or None

    def url(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        return None if value is None else self.http_url(key, value)

    def read(self) -> SiteConfig:
        self.unknown_keys(_KEYS)
        languages = self.languages()
        source_language = self.language_code("source_language", "en")
        known = {*languages, source_language}
        title = self.site_text("title", source_language, known, required=True)
        base_url = self.base_url()
        values = dict(
            description=self.site_text("description", source_language, known) or (),
            repo_url=self.url("repo_url"),
            arxiv_api=self.url("arxiv_api") or DEFAULT_ARXIV_API,
            languages=languages,
            source_language=source_language,
            issue_period=self.choice("issue_period", PERIODS, "day"),
            output_dir=self.output_dir(),
            markdown=self.markdown(),
            search=self.boolean("search", True),
            translate=self.translate(),
            daily=read_daily(self.data.get("daily"), line_of(self.data, "daily"), self.path,
                             self.problems),
        )
        lines = tuple((key, self.data.line_of(key)) for key in self.data if isinstance(key, str))
        if self.problems:
            raise ConfigError(self.problems,
                              _fallback(self.path, title=title, base_url=base_url,
                                        key_lines=lines, **values))
        return SiteConfig(path=self.path, title=title, base_url=base_url, key_lines=lines,
                          **values)

    def translate(self):
        """The ``translate:`` section (SPEC 5), checked by its own module."""
        if self.data.get("translate") is None:
            return None
        from .translate.settings import read_settings

        return read_settings(self.data["translate"], self.path.parent,
                             lambda key, message, container: self.problem(key, message,
                                                                          container), closest)

    def base_url(self) -> str | None:
        value = self.url("base_url", required=True)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.query or parts.fragment:  # page paths are appended to it
            extra = value[len(parts._replace(query="", fragment="").geturl()):]
            self.problem("base_url", f"'base_url' must not have a query or fragment ({extra!r})")
            return None
        return value if value.endswith("/") else value + "/"

    def languages(self) -> tuple[str, ...]:
        value = self.data.get("languages")
        if value is None:
            return ("zh", "en")
        if not isinstance(value, list) or not value:
            self.problem("languages", "'languages' must be a non-empty list of language codes")
            return ("zh", "en")
        codes = []
        for index, code in enumerate(value):
            if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
                self.problem(index, f"{code!r} is not a language code such as 'zh' or 'en'",
                             value)
            elif why := name_too_long(code):  # names the language's folder
                self.problem(index, f"language code {code[:40]!r}... {why}", value)
            elif code in codes:
                self.problem(index, f"language '{code}' is listed twice", value)
            else:
                codes.append(code)
        return tuple(codes) or ("zh", "en")

    def language_code(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not LANGUAGE_CODE.match(value) or name_too_long(value):
            self.problem(key, f"'{key}' must be a language code such as 'en'")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            self.problem(key, f"'{key}' must be one of {', '.join(choices)}, not {value!r}")
            return default
        return value

    def output_dir(self) -> Path:
        value = self.data.get("output_dir", "site")
        if not isinstance(value, str) or not value.strip():
            self.problem("output_dir", "'output_dir' must be a path")
            return self.path.parent / "site"
        if "\x00" in value:
            self.problem("output_dir", "'output_dir' must be a path without NUL characters")
            return self.path.parent / "site"
        for name in Path(value).parts:
            if why := name_too_long(name):
                self.problem("output_dir", f"'output_dir': the name {name[:40]!r}... {why}")
                return self.path.parent / "site"
        return self.path.parent / value  # resolved by load_config

    def markdown(self) -> MarkdownOptions:
        value = self.data.get("markdown")
        if value is None:
            return MarkdownOptions()
        if not isinstance(value, dict):
            self.problem("markdown", "'markdown' must be a mapping such as {html: false}")
            return MarkdownOptions()
        self.unknown_keys(_MARKDOWN_KEYS, value, "markdown.")
        html = value.get("html", False)
        if not isinstance(html, bool):
            self.problem("html", "'markdown.html' must be true or false", value)
            html = False
        return MarkdownOptions(html=html)
