"""The browser tests' demo site and how it is served: a small bilingual digest written file by
file, served on 127.0.0.1 under /digest/ as GitHub Pages serves a project site."""

from __future__ import annotations

import functools
import textwrap
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_PATH = "/digest/"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

CONFIG = """\
title: 论文速递 · Paper Digest
description: A bilingual digest of machine-learning papers.
base_url: https://alice.github.io/digest/
languages: [zh, en]
"""
# Real digest entries (shortened), plus one paper made of what breaks layouts.
PAPERS = {
    "2403.14715.yaml": r"""
        id: "2403.14715"
        title:
          en: Understanding Why Label Smoothing Degrades Selective Classification and How to Fix It
          zh: 理解为何标签平滑会降低选择性分类的效果以及如何解决这个问题
        date: 2024-03-22
        authors: [Guoxuan Xia, Olivier Laurent, Gianni Franchi, Christos-Savvas Bouganis]
        arxiv: {version: 1, announce_type: cross, primary_category: cs.LG, categories: [cs.LG, cs.CV]}
        tldr:
          zh: LS方法在深度神经网络分类器训练中的标签平滑效果被发现会负面影响选择性分类。
        abstract:
          en: >-
            Label smoothing (LS) is a popular regularisation method for training deep neural
            network classifiers. We show that LS degrades selective classification, with the
            max logit regularised more when the probability of error $p_e$ is low.
          zh: >-
            标签平滑（LS）是一种流行的深度神经网络分类器训练的正则化方法。我们揭示了LS如何负面影响选择性分类（SC），
            当错误概率 $p_e$ 较低时对最大logit的正则化更强。
        abstract_truncated: true
        tags: [label-smoothing, uncertainty]
        """,
    "2310.02664.yaml": r"""
        id: "2310.02664"
        title:
          en: On Memorization in Diffusion Models
          zh: 关于扩散模型记忆化的研究
        date: 2024-03-22
        arxiv: {version: 1, primary_category: cs.LG, categories: [cs.LG]}
        tldr:
          zh: 本论文研究了扩散模型的记忆化行为，发现记忆化倾向于在较小的数据集上发生。
          en: Memorization in diffusion models tends to happen on smaller training sets.
        abstract:
          en: >-
            Due to their capacity to generate novel and high-quality samples, diffusion models
            have attracted significant research interest. We define effective model memorization
            (EMM) to quantify how data distribution and model configuration affect memorization.
          zh: >-
            近年来，由于其生成新颖高质量样本的能力，扩散模型引起了广泛的研究兴趣。我们提出了有效模型记忆化（EMM）的定义，
            量化了数据分布和模型配置对记忆化行为的影响。
        tags: [diffusion-models, memorization]
        """,
    "long-formulas-and-urls.yaml": r"""
        id: long-formulas-and-urls
        title: Pneumonoultramicroscopicsilicovolcanoconiosisandotherverylongunbrokenwordsinatitle
        date: 2024-03-22
        url: https://example.org/a/very/long/path/that/never/ends/with/segments/and/more/segments/and/even/more/segments/index.html?query=parameters&that=keep&going=on
        tldr:
          en: "A formula as long as a line: $\\sum_{i=1}^{n} \\alpha_i x_i + \\beta_1 y_1 + \\beta_2 y_2 + \\beta_3 y_3 + \\beta_4 y_4 + \\beta_5 y_5 + \\gamma$."
        abstract:
          en: |-
            A display formula that is wider than any phone:

            $$\mathcal{L}(\theta) = \sum_{i=1}^{N} \log p_\theta(x_i \mid z_i) + \lambda_1 \lVert \theta \rVert_2^2 + \lambda_2 \sum_{j=1}^{M} \mathrm{KL}(q_\phi(z_j \mid x_j) \,\|\, p(z_j)) + \lambda_3 \sum_{k=1}^{K} \frac{a_k}{b_k}$$

            And a word: Supercalifragilisticexpialidociousantidisestablishmentarianismfloccinaucinihilipilification.
            And a bare URL: https://example.org/another/very/long/path/without/any/spaces/at/all/for/the/layout/to/break/on.
        """,
    "c-score.md": """
        ---
        id: c-score
        title:
          en: Exploring the Memorization-Generalization Continuum in Deep Learning
          zh: 探索深度学习中的记忆-泛化连续谱
        date: 2024-03-21
        authors: [Ziheng Jiang, Chiyuan Zhang, Kunal Talwar, Michael C. Mozer]
        tldr:
          zh: 本文引入了一致性评分(C-score)以量化深度学习模型对单个样本预测的可靠性，揭示了记忆-泛化连续谱。
          en: A consistency score (C-score) measures how reliably a model predicts a held-out instance.
        review:
          motivation:
            zh: [理解深度神经网络如何在记忆罕见样本与泛化常规模式之间取得平衡。]
            en: [Understand how deep networks balance memorizing rare examples and generalizing.]
          findings:
            zh: [C-score 能识别分布外样本和误标样本。]
            en: [The C-score finds out-of-distribution and mislabeled examples.]
        tags: [memorization]
        ---
        Notes in English, with *emphasis*.

        ::: zh
        中文笔记，*着重号*强调。
        :::
        """,
    "2404.01367.yaml": r"""
        id: "2404.01367"
        title:
          en: "Bigger is not Always Better: Scaling Properties of Latent Diffusion Models"
          zh: 大并非总是更好：潜在扩散模型的规模特性
        date: 2024-03-21
        arxiv: {version: 1, announce_type: new, primary_category: cs.CV, categories: [cs.CV, cs.LG]}
        tldr:
          zh: 较小的潜在扩散模型在相同推理预算下往往比较大的模型更有效地生成高质量结果。
        abstract:
          en: We study the scaling properties of latent diffusion models (LDMs) with an emphasis on their sampling efficiency.
          zh: 我们研究了潜在扩散模型（LDMs）的规模特性，重点关注它们的采样效率。
        tags: [diffusion-models]
        """,
    "2405.00001.md": r"""
        ---
        id: "2405.00001"
        title:
          en: Tables and Formulas in Notes
          zh: 笔记中的表格与公式
        date: 2024-03-21
        url: http://arxiv.org/abs/2405.00001
        authors: [Ada Lovelace]
        abstract:
          en: Sorting takes $n\log n$ steps.
          zh: 排序需要$n\log n$步。
        review:
          motivation:
            zh: [只有中文的研究动机。]
        tags: [formulas]
        ---
        ## Notes

        | Model | CIFAR-10 | Error |
        |---|---|---|
        | ResNet-18 | 0.9512 | 0.012/3 |

        $$\left[\sum_{i=1}^{n} x_i\right]$$

        ::: zh
        ## 笔记

        中文笔记：公式$x^2$在这里。
        :::
        """,
}
ISSUES = {
    "2024-03-22.yaml": """
        title: {zh: 论文速递：标签平滑与扩散模型, en: "Digest: label smoothing and diffusion"}
        intro: {zh: "本期三篇论文，另有一篇旧文重现（[第 4 篇](#item-4)）。", en: "Three papers, and one from before ([4](#item-4))."}
        papers: ["2403.14715", "2310.02664", long-formulas-and-urls, "2404.01367"]
        """,
}


def write_site(root: Path) -> None:
    files = {"digestgen.yaml": CONFIG,
             **{f"content/papers/{name}": text for name, text in PAPERS.items()},
             **{f"content/issues/{name}": text for name, text in ISSUES.items()}}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


class SubpathHandler(SimpleHTTPRequestHandler):
    """Serves the output folder under BASE_PATH only, as a project site is served."""

    def translate_path(self, path: str) -> str:
        path = unquote(urlsplit(path).path)
        if not path.startswith(BASE_PATH):
            return str(Path(self.directory) / "\0-outside-the-base-path")
        return super().translate_path(path[len(BASE_PATH) - 1:])

    def log_message(self, format, *args):  # keep test output quiet
        pass


def serve(folder: Path):
    """Serve ``folder`` under BASE_PATH on 127.0.0.1 in a thread; returns (server, base URL)."""
    handler = functools.partial(SubpathHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
