"""The files ``digestgen init`` writes: a ready site that ``digestgen build`` builds at once.

Each file is written only where no file exists yet, so running ``init`` in a folder that
already holds a site changes nothing a person wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .daily_workflow import DAILY_WORKFLOW, daily_workflow
from .content.load import record_files

CONFIG_FILE = "digestgen.yaml"
EXAMPLE_PAPER = "content/papers/2403.14715.yaml"
GITIGNORE = ".gitignore"
WORKFLOW = ".github/workflows/pages.yml"
IGNORED = ("site/", ".digestgen-cache/", ".site.*")

CONFIG_TEXT = """\
# digestgen site configuration. Every key digestgen knows is listed below with what it does;
# a key that is commented out shows its default.

# The site's title: page headers, the browser tab, feeds. Required. Like every text, a plain
# string (in source_language) or one per language, {zh: ..., en: ...}: each language's pages
# show their own.
title:
  zh: 论文速递
  en: Paper Digest

# One sentence about the site, for feeds, the home page and the pages' meta description.
description:
  zh: 值得一读的论文，中英双语摘要。
  en: Papers worth reading, summarised in Chinese and English.

# Where the site is published, ending in "/". A GitHub Pages project site lives at
# https://USER.github.io/REPO/: put your user and repository names in. The Pages workflow
# (.github/workflows/pages.yml) passes the real address to `digestgen build --base-url`; this
# value serves `build`, `check` and `deploy` (which refuses the placeholder). Required.
base_url: https://USER.github.io/REPO/

# The languages of the pages. The first is the default and lives at the site's root; each
# other one lives under /CODE/ (here /en/).
languages: [zh, en]

# The language of a text written as a plain string rather than as {en: ..., zh: ...}.
source_language: en

# How papers are grouped into digest issues by their date: day, week or month.
issue_period: day

# Where `digestgen build` writes the site, relative to this file. The Pages workflow uploads
# this folder: change both together.
output_dir: site

# The repository's web address; when set, each page links to its content file to edit it.
# repo_url: https://github.com/USER/REPO

# Raw HTML in Markdown texts is dropped unless html is true (it is sanitised even then).
markdown:
  html: false

# The arXiv API endpoint `digestgen add` asks for metadata (a mirror may be named here).
# arxiv_api: https://export.arxiv.org/api/query

# A search box that finds Chinese and English words in every paper (an index built with the
# site, in search/); false leaves it out.
# search: true

# Machine drafts of missing texts (`digestgen translate`): an OpenAI-compatible chat API and
# the model to ask (a hosted one, or a local llama.cpp, Ollama or vLLM server), or instead a
# command that reads one JSON request on stdin and writes one JSON reply. The API key is read
# from the environment variable named by api_key_env, never from a file. Pages mark each
# machine-written text, naming the model, until you accept it.
# translate:
#   api: https://api.openai.com/v1     # Ollama: http://127.0.0.1:11434/v1
#   model: gpt-4o-mini
#   api_key_env: OPENAI_API_KEY
#   # command: python draft.py         # instead of api and model
#   glossary: glossary.yaml            # term: {zh: ..., en: ...}, so terms stay consistent
#   concurrency: 4                     # requests at a time
#   requests_per_minute: 60
#   timeout: 60                        # seconds to wait for each reply
#   retries: 4                         # after a 429, a 5xx, a timeout or a dropped connection
#   retry_wait: 2                      # seconds before the first retry, doubled each time

# What the scheduled workflow (.github/workflows/daily.yml, `digestgen daily`) adds each
# announcement day: the papers of the categories' feed closest to the digest's own papers.
# Until this section is here, the workflow does nothing.
# daily:
#   categories: [cs.LG, stat.ML]  # arXiv categories or whole archives (cs); the feed read is
#                                 # https://rss.arxiv.org/rss/cs.LG+stat.ML
#   feeds: []                     # other feed URLs to read instead
#   types: [new, cross]           # announce types to consider (also replace, replace-cross)
#   top: 10                       # papers per announce day; papers already of that day count
#   translate: true               # draft missing languages when the API key secret is set
"""

PAPER_TEXT = """\
# An example paper. Each paper is one file in content/papers/: copy this one to write a paper
# by hand, or run `digestgen add ARXIV-ID` to fetch its metadata from arXiv. A text is a plain
# string (in source_language) or {en: ..., zh: ...}; all texts but titles are Markdown, with
# $...$ for math. Delete this file once the digest has papers of its own.
id: "2403.14715"
title:
  en: Understanding Why Label Smoothing Degrades Selective Classification and How to Fix It
  zh: 理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题
date: 2024-03-22
authors:
  - Guoxuan Xia
  - Olivier Laurent
  - Gianni Franchi
  - Christos-Savvas Bouganis
arxiv:
  version: 1
  announce_type: cross
  primary_category: cs.LG
  categories: [cs.LG, cs.CV]
tldr:
  zh: LS方法在深度神经网络分类器训练中的标签平滑效果被发现会负面影响选择性分类，通过影响模型预测不确定性，此研究阐明了这一现象。
  en: Label smoothing makes a classifier worse at rejecting its own mistakes, because it distorts the uncertainty that selective classification relies on.
abstract:
  en: >-
    Label smoothing (LS) is a popular regularisation method for training deep neural network
    classifiers due to its effectiveness in improving test accuracy and its simplicity in
    implementation. "Hard" one-hot labels are "smoothed" by uniformly distributing probability
    mass to other classes, reducing overfitting. In this work, we reveal that LS negatively
    affects selective classification (SC) - where the aim is to reject misclassifications using
    a model's predictive uncertainty. We first demonstrate empirically across a range of tasks
    and architectures that LS leads to a consistent degradation in SC. We then explain this by
    analysing logit-level gradients, showing that LS exacerbates overconfidence and
    underconfidence by regularising the max logit more when the probability of error is low,
    and less when the probability of error is high. This elucidates previously reported
    experimental results where strong classifiers underperform in SC.
  zh: 标签平滑（LS）是一种流行的深度神经网络分类器训练的正则化方法，因为它在提高测试准确性方面效果显著，并且实现简单。"硬"的one-hot标签通过将概率质量均匀分配给其他类别来进行"平滑化"，从而减少过度拟合。在这项工作中，我们揭示了LS如何负面影响选择性分类（SC）- 其目标是利用模型的预测不确定性来拒绝错误分类。我们首先在一系列任务和架构中从经验上证明LS会导致SC的一致性降级。然后，我们通过分析logit级别的梯度来解释这一点，表明LS通过在错误概率低时更加正则化最大logit，而在错误概率高时更少正则化，加剧了过度自信和低自信。这阐明了以前报道的强分类器在SC中性能不佳的实验结果。
# The abstract above was cut off where it was copied from.
abstract_truncated: true
review:
  motivation:
    zh:
      - 标签平滑能提高测试准确率，但它对模型判断"自己何时会出错"的能力有何影响，此前并不清楚。
    en:
      - Label smoothing raises test accuracy, but its effect on a model's ability to tell when it is wrong was not understood.
  method:
    zh:
      - 在多种任务和架构上比较使用与不使用标签平滑时的选择性分类表现。
      - 分析 logit 层面的梯度，看标签平滑如何改变对最大 logit $z_{\\max}$ 的正则化。
    en:
      - Compare selective classification with and without label smoothing across tasks and architectures.
      - Analyse logit-level gradients to see how label smoothing changes the regularisation of the max logit $z_{\\max}$.
  findings:
    zh:
      - 标签平滑一致地降低选择性分类的效果。
      - 错误概率低时它更强地压低最大 logit，错误概率高时更弱，同时加剧过度自信与信心不足。
    en:
      - Label smoothing consistently degrades selective classification.
      - It regularises the max logit more when the error probability is low and less when it is high, worsening both overconfidence and underconfidence.
tags: [label-smoothing, selective-classification, uncertainty]
"""

GITIGNORE_TEXT = f"""\
# Built by `digestgen build`; never edited by hand.
{IGNORED[0]}
# Caches and the half-written builds of an interrupted run.
{IGNORED[1]}
{IGNORED[2]}
"""


def pages_workflow(install: str, branch: str) -> str:
    """A GitHub Actions workflow that builds the site on each push to ``branch`` and publishes
    it with the Pages artifact actions; ``install`` is what ``pip install`` is given."""
    return f"""\
# Builds the digest and publishes it on GitHub Pages on every push to {branch}.
# Once per repository: Settings > Pages > Build and deployment > Source: "GitHub Actions".
name: Publish the digest

on:
  push:
    branches: [{branch}]
  workflow_dispatch:

# The deploy job proves its identity with an OIDC token and writes to Pages.
permissions:
  contents: read
  pages: write
  id-token: write

# One deployment at a time; a running one finishes, a queued one waits.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v7
        with:
          persist-credentials: false  # the build needs no git credentials
      - uses: actions/setup-python@v7
        with:
          python-version: "3.12"
      - name: Install digestgen
        run: python -m pip install "{install}"
      - name: Find the Pages address
        id: pages
        uses: actions/configure-pages@v6
      - name: Build the site
        env:
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
        run: digestgen build --base-url "$BASE_URL/"
      # The folder is output_dir of digestgen.yaml.
      - uses: actions/upload-pages-artifact@v5
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    timeout-minutes: 10
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Publish to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"""


@dataclass
class InitResult:
    """What ``init_site`` did, as paths relative to the site folder."""

    written: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why
    failed: dict[str, str] = field(default_factory=dict)  # path -> the system's reason
    notes: list[str] = field(default_factory=list)


#: What the Pages workflow installs unless ``init --install`` says otherwise: this version.
DEFAULT_INSTALL = f"digestgen=={__version__}"

#: What ``pip install`` may be given in the workflow: a requirement or an address, with
#: nothing that the shell or YAML would read as more than that (quotes, ``$``, spaces).
INSTALL_SPEC = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-@:/=<>!~,\[\]#%&?]*")


def rank_requirement(install: str) -> str:
    """``install`` with the ``rank`` extra that ``digestgen daily`` needs: ``digestgen==1.0``
    becomes ``digestgen[rank]==1.0``; an address becomes ``digestgen[rank] @ ADDRESS``."""
    named = re.fullmatch(r"digestgen(\[[^\]]*\])?([=<>!~].*)?", install)
    if named:
        return f"digestgen[rank]{named.group(2) or ''}"
    return f"digestgen[rank] @ {install}"


def init_site(folder: Path, install: str = DEFAULT_INSTALL) -> InitResult:
    """Write every file of a new site into ``folder`` that is not there yet; the Pages
    workflow installs digestgen with ``pip install INSTALL``."""
    if not INSTALL_SPEC.fullmatch(install):
        raise ValueError(f"not a pip requirement or address: {install!r}")
    branch, repo_top = _git_facts(folder)
    files = {
        CONFIG_FILE: CONFIG_TEXT,
        EXAMPLE_PAPER: PAPER_TEXT,
        GITIGNORE: GITIGNORE_TEXT,
        WORKFLOW: pages_workflow(install, branch),
        DAILY_WORKFLOW: daily_workflow(rank_requirement(install)),
    }
    result = InitResult()
    for name, text in files.items():
        path = folder / name
        if path.exists() or path.is_symlink():
            result.skipped[name] = "it exists"
        elif name == EXAMPLE_PAPER and record_files(path.parent):
            result.skipped[name] = "content/papers/ already holds papers"
        else:
            try:
                if write_new_file(path, text):
                    result.written.append(name)
                else:
                    result.skipped[name] = "it appeared while writing"
            except OSError as exc:
                result.failed[name] = exc.strerror or str(exc)
    if GITIGNORE in result.skipped:
        result.notes.append(f"make sure {GITIGNORE} ignores {', '.join(IGNORED)}")
    if repo_top is not None and repo_top != folder.resolve():
        result.notes.append(
            f"this site is inside the git repository {repo_top}; GitHub runs workflows only "
            f"from {repo_top / WORKFLOW}: move {WORKFLOW} there and give its build step "
            f"`working-directory: {os.path.relpath(folder.resolve(), repo_top)}`")
    return result


def write_new_file(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless a file is there; never a half-written file.

    The text goes to a temporary file that is then hard-linked into place: linking fails
    when the name is taken, even if another program created it a moment ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".digestgen-init-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _git_facts(folder: Path) -> tuple[str, Path | None]:
    """The branch the workflow should publish from, and the enclosing repository's top.

    Inside a repository that is its current branch; elsewhere the branch a new repository
    would get (``init.defaultBranch``), else ``main``."""
    here = next(p for p in (folder.resolve(), *folder.resolve().parents) if p.is_dir())
    top = _git(here, "rev-parse", "--show-toplevel")
    branch = _git(here, "symbolic-ref", "--quiet", "--short", "HEAD") if top else None
    if not branch:
        branch = _git(here, "config", "--get", "init.defaultBranch")
    return branch or "main", Path(top).resolve() if top else None


def _git(folder: Path, *args: str) -> str | None:
    """A git command's output, or None when git is missing or the command fails."""
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
