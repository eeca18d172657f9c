"""Where drafts come from: an OpenAI-compatible chat completions API, or a local program.

The API is reached with the official ``openai`` client (hosted models, and local servers such
as llama.cpp, Ollama and vLLM, which speak the same API); its own retries are off, because
:mod:`digestgen.translate.run` retries with the site's waits and counts every try against the
rate limit. A ``command`` reads one JSON request (``model`` and ``messages``, as the API takes
them, and ``task``) on stdin and writes one JSON reply on stdout: ``{"content": "..."}``,
optionally with ``usage`` (``prompt_tokens``, ``completion_tokens``), or a chat completions
response.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .settings import TranslateSettings

#: The longest ``Retry-After`` honoured; a server asking for more is waited for this long.
MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True)
class Reply:
    text: str
    tokens_in: int = 0
    tokens_out: int = 0


class BackendError(Exception):
    """A request that got no usable reply; ``retry`` says whether trying again may help, and
    ``wait`` is the server's ``Retry-After`` in seconds when it gave one."""

    def __init__(self, message: str, retry: bool = False, wait: float | None = None):
        super().__init__(message)
        self.retry, self.wait = retry, wait


def make_backend(settings: TranslateSettings, root: Path):
    if settings.command:
        return CommandBackend(settings, root)
    return ApiBackend(settings)


class ApiBackend:
    """Chat completions at ``settings.api`` with the official client."""

    def __init__(self, settings: TranslateSettings):
        import openai  # only when a run talks to an API

        self.openai, self.settings = openai, settings
        # A local server wants no key; a hosted one refuses the placeholder with a 401,
        # reported below with the variable to set.
        key = os.environ.get(settings.api_key_env) or "no-key"
        self.client = openai.OpenAI(base_url=settings.api, api_key=key,
                                    timeout=settings.timeout, max_retries=0)

    def ask(self, messages: list[dict], task: dict) -> Reply:
        openai = self.openai
        try:
            response = self.client.chat.completions.create(model=self.settings.model,
                                                           messages=messages)
        except openai.APITimeoutError:
            raise BackendError(f"no reply within {self.settings.timeout:g} s", retry=True) \
                from None
        except openai.APIConnectionError as exc:
            raise BackendError(f"cannot reach {self.settings.api}: {exc}", retry=True) from None
        except openai.AuthenticationError:
            raise BackendError(f"the API refused the key: set {self.settings.api_key_env} "
                               "in the environment") from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            retry = status == 429 or status >= 500
            raise BackendError(f"the API answered {status}: {_short(exc.message)}", retry=retry,
                               wait=retry_after(exc.response.headers.get("retry-after"))) \
                from None
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise BackendError(f"malformed reply from the API: {_short(str(exc))}", retry=True) \
                from None
        try:
            choice = response.choices[0]
            text = choice.message.content
        except (AttributeError, IndexError, TypeError):
            choice, text = None, None
        if getattr(choice, "finish_reason", None) == "length":
            raise BackendError("the model's reply was cut off at its length limit")
        text = _without_reasoning(text) if isinstance(text, str) else ""
        if not text:
            raise BackendError("the API's reply holds no text", retry=True)
        usage = getattr(response, "usage", None)
        return Reply(text, getattr(usage, "prompt_tokens", 0) or 0,
                     getattr(usage, "completion_tokens", 0) or 0)


class CommandBackend:
    """A program run once per request, in the site's folder."""

    def __init__(self, settings: TranslateSettings, root: Path):
        self.settings, self.root = settings, root
        self.argv = shlex.split(settings.command)

    def ask(self, messages: list[dict], task: dict) -> Reply:
        request = json.dumps({"model": self.settings.model, "messages": messages, "task": task},
                             ensure_ascii=False)
        try:
            done = subprocess.run(self.argv, input=request, capture_output=True, text=True,
                                  encoding="utf-8", timeout=self.settings.timeout,
                                  cwd=self.root, check=False)
        except subprocess.TimeoutExpired:
            raise BackendError(f"no reply within {self.settings.timeout:g} s", retry=True) \
                from None
        except OSError as exc:
            raise BackendError(f"cannot run {self.argv[0]}: {exc.strerror}") from None
        if done.returncode != 0:
            said = done.stderr.strip().splitlines()[-1:] or [""]
            raise BackendError(f"{self.argv[0]} exited with status {done.returncode}"
                               + (f": {_short(said[0])}" if said[0] else ""))
        return _command_reply(done.stdout)


def _command_reply(output: str) -> Reply:
    try:
        data = json.loads(output)
    except ValueError:
        raise BackendError("the command's reply is not JSON") from None
    text = data.get("content") if isinstance(data, dict) else None
    if text is None and isinstance(data, dict):
        try:
            text = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            text = None
    text = _without_reasoning(text) if isinstance(text, str) else ""
    if not text:
        raise BackendError("the command's reply holds no 'content' text")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return Reply(text, _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))


#: What reasoning models served locally (Qwen3, DeepSeek-R1) put before their answer.
_REASONING = re.compile(r"^\s*<think>.*?</think>", re.S)


def _without_reasoning(text: str) -> str:
    """The answer in a reply, without a leading ``<think>...</think>`` block."""
    return _REASONING.sub("", text, count=1).strip()


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (dates are not used by APIs)."""
    if header is None:
        return None
    try:
        seconds = float(header)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER) if seconds == seconds else None


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
