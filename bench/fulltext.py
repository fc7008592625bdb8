"""Full text from arXiv HTML (issue 17 item 3): which HTML-to-Markdown converter, and what a
paper costs to convert and to store.

Pages: the LaTeXML fixture ``tests/data/arxiv_html/2406.00001v2.html`` (written by hand after
arXiv's HTML: ``ltx_section``, ``ltx_para``, ``ltx_Math`` with ``alttext`` and TeX annotation,
``ltx_equation`` and ``ltx_equationgroup`` tables, ``ltx_tabular``, itemize and enumerate,
footnotes, citations, a figure, the bibliography), and the same page with its body repeated
12 times ("paper", ~190 kB, the size of a short arXiv HTML paper) and 60 times ("long",
~670 kB: a long math-heavy paper's).

For each converter (markdownify, html2text, html-to-markdown), after our LaTeXML
pre-processing (``paperfeed.text.latexml.prepare``) and without it (the article as is):
the share of headings, formulas (their TeX verbatim between ``$``), table rows and list items
found in the Markdown, and the median conversion time of ``--runs`` runs. Then, with the
converter paperfeed uses, the whole ``parse_page`` per page and the storage: HTML, Markdown,
zlib-compressed Markdown (what ``paper_fulltext.markdown_z`` holds), passages.

  PYTHONPATH=src .venv/bin/python -m bench.fulltext --runs 5
"""

from __future__ import annotations

import argparse
import re
import time
import zlib
from pathlib import Path

import html2text
import markdownify
from html_to_markdown import ConversionOptions, convert
from lxml import html

from bench.common import machine, median
from paperfeed.ingest.arxiv_html import parse_page
from paperfeed.text import latexml

FIXTURE = Path(__file__).resolve().parents[1] / "tests/data/arxiv_html/2406.00001v2.html"


def pages() -> dict[str, bytes]:
    page = FIXTURE.read_text()
    start = page.index('<section class="ltx_section" id="S1">')
    end = page.index('<section class="ltx_bibliography"')
    body = page[start:end]
    return {
        name: (page[:start] + body * times + page[end:]).encode()
        for name, times in (("fixture", 1), ("paper", 12), ("long", 60))
    }


def _markdownify(fragment: str) -> str:
    return markdownify.markdownify(fragment, heading_style="ATX", bullets="-")


def _html2text(fragment: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    return converter.handle(fragment)


def _html_to_markdown(fragment: str) -> str:
    options = ConversionOptions(heading_style="atx", skip_images=True, bullets="-")
    return convert(fragment, options).content or ""


CONVERTERS = {
    "markdownify": _markdownify,
    "html2text": _html2text,
    "html-to-markdown": _html_to_markdown,
}


def expected(page: bytes) -> dict[str, list]:
    article = latexml.parse_document(page)
    body = [s for s in article.iter("section") if "ltx_bibliography" not in s.get("class", "")]
    headings = [h for s in body for h in s if h.tag in ("h2", "h3", "h4")]
    formulas = article.xpath(
        ".//*[local-name()='math'][not(ancestor::*[contains(@class,'ltx_abstract')])]"
    )
    tex = [
        re.sub(r"^\\displaystyle\s*", "", " ".join(m.get("alttext", "").split())) for m in formulas
    ]
    rows = article.xpath(".//table[contains(@class,'ltx_tabular')]//tr")
    items = article.xpath(".//li[contains(@class,'ltx_item')][not(contains(@class,'ltx_bibitem'))]")
    return {"headings": headings, "tex": tex, "rows": rows, "items": items}


_SPANS = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)


def quality(markdown: str, want: dict[str, list]) -> dict[str, float]:
    """Shares found: headings (bar References), formulas whose TeX is verbatim inside a
    ``$…$``/``$$…$$`` span, table rows (over 100%: equation layout tables became tables),
    list items (bibliography entries left out)."""
    lines = markdown.splitlines()
    headings = sum(
        1 for line in lines if re.match(r"#{2,4}\s+\S", line.strip()) and "References" not in line
    )
    table_rows = sum(1 for line in lines if line.count("|") >= 2 and not set(line) <= set("|-: "))
    items = sum(
        1
        for line in lines
        if re.match(r"\s*(?:[-*+]|\d+\.) \S", line) and not re.match(r"\s*[-*+] \[\d+\]", line)
    )
    spans = [a or b for a, b in _SPANS.findall(markdown)]
    found = sum(1 for tex in want["tex"] if any(tex in span for span in spans))
    return {
        "headings": headings / len(want["headings"]),
        "math": found / len(want["tex"]),
        "rows": min(table_rows / len(want["rows"]), 9.99),
        "items": items / len(want["items"]),  # the bibliography's entries count too when kept
    }


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return median(times), result


def compare(page: bytes, runs: int) -> None:
    want = expected(page)
    print(
        f"  {'converter':<18} {'input':<9} {'headings':>8} {'math':>6} {'rows':>6} {'items':>6} {'ms':>8}"
    )
    for name, convert_fn in CONVERTERS.items():
        for prepared in (True, False):

            def run(convert_fn=convert_fn, prepared=prepared) -> str:
                article = latexml.parse_document(page)
                if not prepared:
                    return convert_fn(html.tostring(article, encoding="unicode"))
                ready = latexml.prepare(article)
                body, bib = latexml.finish(
                    ready, convert_fn(ready.body), convert_fn(ready.bibliography)
                )
                return body + "\n\n" + bib

            seconds, markdown = timed(run, runs)
            q = quality(markdown, want)
            label = "prepared" if prepared else "raw"
            print(
                f"  {name:<18} {label:<9} {q['headings']:>8.0%} {q['math']:>6.0%} {q['rows']:>6.0%}"
                f" {q['items']:>6.0%} {seconds * 1000:>8.1f}"
            )


def costs(page: bytes, runs: int) -> None:
    seconds, result = timed(lambda: parse_page(page, max_bytes=50_000_000), runs)
    md = result.markdown.encode()
    z = zlib.compress(md, 6)
    passages = sum(len(p.text) + len(p.section) for p in result.passages)
    print(
        f"  parse_page {seconds * 1000:.0f} ms; HTML {len(page) / 1000:.0f} kB -> Markdown"
        f" {len(md) / 1000:.1f} kB, zlib {len(z) / 1000:.1f} kB ({len(z) / len(md):.0%});"
        f" {len(result.passages)} passages, {passages / 1000:.1f} kB of text"
    )


def prose_ratio() -> str:
    """zlib on ~80 kB of real abstracts (the shared HF data): the repeated bench pages
    compress far better than a real paper would, so this is the ratio to go by."""
    import gzip
    import json

    path = Path(__file__).resolve().parents[2] / "shared/data/hf-daily-papers-api/papers.jsonl.gz"
    if not path.is_file():
        return "real prose: shared data absent"
    text = []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            text.append(json.loads(line).get("paper", {}).get("summary", ""))
            if sum(map(len, text)) > 80_000:
                break
    raw = "\n\n".join(text).encode()
    return f"real prose: zlib level 6 keeps {len(zlib.compress(raw, 6)) / len(raw):.0%} of {len(raw) / 1000:.0f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    for name, page in pages().items():
        print(f"{name}: {len(page) / 1000:.0f} kB of HTML")
        compare(page, args.runs)
        costs(page, args.runs)
    print(prose_ratio())


if __name__ == "__main__":
    main()
