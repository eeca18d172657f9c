"""``digestgen add --feed FEED --rank``: the day's papers closest to the digest, best first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digestgen.cli import main

FEED = Path(__file__).resolve().parent / "fixtures/arxiv/rss-all-archives-2024-11-28.xml"

QUBIT = """\
id: "2203.01101"
title:
  en: Approaching ideal visibility in singlet-triplet qubit operations using energy-selective
    tunneling-based Hamiltonian estimation
  zh: 用能量选择隧穿哈密顿量估计实现接近理想可见度的单态-三重态量子比特操作
date: 2024-03-22
arxiv: {version: 2, announce_type: new, primary_category: quant-ph}
abstract:
  en: We report energy selective tunneling readout-based Hamiltonian parameter estimation of a
    two-electron spin qubit in a GaAs quantum dot array. Optimization of readout fidelity
    enables single-shot measurement of the spin qubit.
"""
ENTANGLEMENT = """\
id: entanglement-notes
title: {en: Entanglement witnesses and quantum error correction with superconducting qubits}
date: 2024-11-20
abstract: {en: "We study entanglement of qubits, quantum circuits and error correction codes."}
"""
BIB = r"""@article{spin2023,
  title = {Spin qubits in {GaAs} quantum dots: readout and {Hamiltonian} estimation},
  abstract = {Quantum dot spin qubit readout fidelity and single-shot measurement.},
  year = {2023},
}
"""


def run(site, *args: str):
    result = CliRunner().invoke(main, ["add", "--config", str(site.config_path), "--feed",
                                       str(FEED), "--rank", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def ranked_rows(output: str) -> list[tuple[int, float, str, str]]:
    """(place, score, id, line) of each row of the printed ranking."""
    rows = []
    for line in output.splitlines():
        if m := re.match(r"^\s*(\d+)\s+(\d\.\d{3})\s+(\S+)\s", line):
            rows.append((int(m[1]), float(m[2]), m[3], line))
    return rows


def papers(site) -> list[str]:
    return sorted(p.name for p in (site.root / "content" / "papers").iterdir())


@pytest.fixture
def quantum_site(site, monkeypatch):
    monkeypatch.chdir(site.root)
    site.paper("2203.01101.yaml", QUBIT)
    site.paper("entanglement-notes.yaml", ENTANGLEMENT)
    return site


def test_dry_run_prints_the_best_papers_and_writes_nothing(quantum_site):
    result = run(quantum_site, "--top", "5", "--dry-run")
    assert result.exit_code == 0, result.output
    rows = ranked_rows(result.output)
    assert [place for place, *_ in rows] == [1, 2, 3, 4, 5]
    scores = [score for _, score, *_ in rows]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert "ranked against 2 interest papers" in result.output
    for *_, line in rows:  # each names its announce type and the closest interest paper
        assert line.split()[3] in ("new", "cross", "replace", "replace-cross")
        assert "2203.01101 Approaching" in line or "entanglement-notes Entanglement" in line
    assert result.output.count("would create content/papers/") == 5
    assert "Dry run, nothing was written: 5 new." in result.output
    assert papers(quantum_site) == ["2203.01101.yaml", "entanglement-notes.yaml"]


def test_papers_in_the_digest_are_not_proposed_and_a_new_version_is_shown(quantum_site):
    result = run(quantum_site, "--top", "2000", "--dry-run")
    rows = ranked_rows(result.output)
    assert 500 < len(rows) < 1503  # the papers with a word in common, not the digest's own
    assert all(score > 0 for _, score, *_ in rows)
    assert not any(arxiv_id.startswith("2203.01101") for _, _, arxiv_id, _ in rows)
    assert "New versions of papers already in the digest" in result.output
    assert re.search(r"^  2203\.01101v3 \(replace\) Approaching ideal visibility.*"
                     r"\[in the digest since 2024-03-22\]$", result.output, re.M)
    assert "would update" not in result.output


def test_top_adds_the_best_papers_and_a_second_run_adds_the_next(quantum_site):
    first = run(quantum_site, "--top", "2")
    assert first.exit_code == 0, first.output
    added = [arxiv_id.split("v")[0] for _, _, arxiv_id, _ in ranked_rows(first.output)]
    assert papers(quantum_site) == sorted(["2203.01101.yaml", "entanglement-notes.yaml",
                                           *(f"{i}.yaml" for i in added)])
    record = yaml.safe_load((quantum_site.root / "content/papers" / f"{added[0]}.yaml")
                            .read_text(encoding="utf-8"))
    assert record["date"].isoformat() == "2024-11-28"  # the feed's announce day
    assert "quant-ph" in record["arxiv"]["categories"]
    second = run(quantum_site, "--top", "2")
    again = [arxiv_id.split("v")[0] for _, _, arxiv_id, _ in ranked_rows(second.output)]
    assert not set(again) & set(added)  # now in the digest: never proposed again
    assert len(papers(quantum_site)) == 6


def test_min_score_keeps_only_close_papers(quantum_site):
    result = run(quantum_site, "--min-score", "0.99", "--dry-run")
    assert result.exit_code == 0, result.output
    assert ranked_rows(result.output) == []
    assert "The 0 best of 1503 papers" in result.output


def test_the_same_feed_ranks_the_same_way(quantum_site):
    assert run(quantum_site, "--dry-run").output == run(quantum_site, "--dry-run").output


def test_a_bibtex_and_a_csl_json_file_are_interests_too(site, tmp_path):
    bib = tmp_path / "library.bib"
    bib.write_text(BIB, encoding="utf-8")
    csl = tmp_path / "library.json"
    csl.write_text('[{"id": "galaxy1", "type": "article-journal", "title": "Star formation '
                   'in dwarf galaxies", "abstract": "Galaxies, stellar mass and gas."}]',
                   encoding="utf-8")
    result = run(site, "--interests", str(bib), "--interests", str(csl), "--top", "10",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert "ranked against 2 interest papers" in result.output
    lines = [line for *_, line in ranked_rows(result.output)]
    assert any("spin2023 Spin qubits in GaAs quantum dots" in line for line in lines)
    assert any(line.endswith("galaxy1 Star formation in dwarf galaxies") for line in lines)


def test_an_empty_digest_without_interests_is_a_usage_error(site):
    result = run(site, "--dry-run")
    assert result.exit_code == 2
    assert "give a reference list with --interests FILE" in result.output


def test_a_broken_reference_file_is_reported_with_its_line(site, tmp_path):
    bib = tmp_path / "broken.bib"
    bib.write_text(BIB + "\n@article{broken,\n  title = {Unclosed\n", encoding="utf-8")
    csl = tmp_path / "broken.json"
    csl.write_text('[\n{"title": "x",}\n]', encoding="utf-8")
    result = run(site, "--interests", str(bib), "--interests", str(csl), "--dry-run")
    assert result.exit_code == 1
    assert f"{bib}:7: this BibTeX entry cannot be read" in result.output
    assert f"{csl}:2: not valid JSON" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["--top", "3"], "--top works only with --rank"),
    (["--interests", "x.bib"], "--interests works only with --rank"),
])
def test_rank_options_need_rank(site, args, message):
    result = CliRunner().invoke(main, ["add", "--config", str(site.config_path), "--feed",
                                       str(FEED), *args])
    assert result.exit_code == 2 and message in result.output


def test_rank_needs_a_feed(site):
    result = CliRunner().invoke(main, ["add", "--config", str(site.config_path), "2403.14715",
                                       "--rank"])
    assert result.exit_code == 2 and "--rank works only with --feed" in result.output


def feed_item(arxiv_id: str, title: str, abstract: str):
    from digestgen.arxiv.feed import FeedItem
    from digestgen.arxiv.ids import parse_arxiv_id
    return FeedItem(parse_arxiv_id(arxiv_id), "new", title, (), abstract, ("cs.LG",), None, 1)


def test_recent_digest_papers_weigh_more_than_old_ones():
    import datetime

    from digestgen.rank import Interest, rank
    qubits = "Spin qubits in quantum dots\nReadout fidelity of spin qubits in quantum dots."
    galaxies = "Star formation in dwarf galaxies\nStellar mass and gas of dwarf galaxies."
    today = datetime.date(2024, 11, 28)
    interests = [Interest("recent", "q", qubits, today - datetime.timedelta(days=7), "digest"),
                 Interest("old", "g", galaxies, datetime.date(2020, 1, 1), "digest")]
    items = [feed_item("2411.00001v1", *galaxies.split("\n")),
             feed_item("2411.00002v1", *qubits.split("\n"))]
    ranked = rank(items, interests, today)
    assert [r.item.arxiv_id.id for r in ranked] == ["2411.00002", "2411.00001"]
    assert [r.closest.key for r in ranked] == ["recent", "old"]
    undated = [Interest(i.key, i.title, i.text, None, "x.bib") for i in interests]
    tied = rank(items, undated, today)  # equal weights: equal scores, ties by id
    assert tied[0].score == tied[1].score
    assert [r.item.arxiv_id.id for r in tied] == ["2411.00001", "2411.00002"]


def test_only_english_texts_of_the_digest_are_compared(site):
    from digestgen.configload import load_config
    from digestgen.content.load import load_content
    from digestgen.rank import digest_interests
    site.paper("a.yaml", 'id: a\ntitle: {zh: 只有中文标题}\ndate: 2024-01-01\n')
    site.paper("b.yaml", 'id: b\ntitle: {zh: 中文, en: English title}\ndate: 2024-01-01\n'
                         'abstract: {zh: 中文摘要, en: English abstract}\n')
    papers = load_content(load_config(site.config_path)).papers
    (interest,) = digest_interests(papers)
    assert (interest.key, interest.text) == ("b", "English title\nEnglish abstract")


class EmbeddingServer:
    """A tiny OpenAI-compatible ``/v1/embeddings`` on 127.0.0.1: each text's vector counts its
    words in 256 buckets (by CRC-32), so texts sharing words are close, as with a real model."""

    def __init__(self, status: int = 200):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        self.requests: list[tuple[str, str | None, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                import json
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, self.headers.get("Authorization"), body))
                if status != 200:
                    reply = b'{"error": {"message": "model overloaded"}}'
                else:
                    reply = json.dumps({"object": "list", "model": body["model"], "data": [
                        {"object": "embedding", "index": i, "embedding": bag_of_words(text)}
                        for i, text in enumerate(body["input"])]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def bag_of_words(text: str) -> list[float]:
    import zlib
    vector = [0.0] * 256
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        vector[zlib.crc32(word.encode()) % 256] += 1.0
    return vector


def test_an_embeddings_endpoint_can_rank_instead_of_words(quantum_site, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with EmbeddingServer() as server:
        result = run(quantum_site, "--embeddings", "tiny-embed", "--api", server.api,
                     "--top", "5", "--dry-run")
    assert result.exit_code == 0, result.output
    rows = ranked_rows(result.output)
    assert len(rows) == 5 and all(score > 0 for _, score, *_ in rows)
    assert [path for path, *_ in server.requests] == ["/v1/embeddings"] * 12  # 1,505 texts
    assert {auth for _, auth, _ in server.requests} == {"Bearer sk-test"}
    assert {body["model"] for *_, body in server.requests} == {"tiny-embed"}
    sent = [text for *_, body in server.requests for text in body["input"]]
    assert sent[-2].startswith("Approaching ideal visibility")  # the digest's papers last
    assert papers(quantum_site) == ["2203.01101.yaml", "entanglement-notes.yaml"]


def test_a_failing_embeddings_endpoint_stops_before_anything_is_written(quantum_site):
    with EmbeddingServer(status=503) as server:
        result = run(quantum_site, "--embeddings", "tiny-embed", "--api", server.api,
                     "--top", "5")
    assert result.exit_code == 1
    assert f"{server.api}/embeddings: HTTP 503: " in result.output
    assert "model overloaded" in result.output and "Nothing was written." in result.output
    assert "Traceback" not in result.output
    assert papers(quantum_site) == ["2203.01101.yaml", "entanglement-notes.yaml"]


def test_embeddings_need_an_api_address(quantum_site):
    result = run(quantum_site, "--embeddings", "tiny-embed", "--dry-run")
    assert result.exit_code == 2 and "--embeddings needs the API's address" in result.output
