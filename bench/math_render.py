"""Math and LaTeX text on the real titles and abstracts (issue 13, docs/text-and-math.md).

Quality: of every formula (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) found in the
titles and abstracts of arxiv-cs-daily-2025-2026 (74,728 papers) and
hf-daily-papers-scraped-2024 (2,836), the share that paperfeed.text.mathml turns into MathML
without falling back to the source, and the share of texts with math whose every formula does.
With ``--js DIR`` (a folder whose node_modules has katex and temml, e.g. after
``npm install katex temml`` there), the same formulas go through KaTeX and Temml with
``throwOnError`` for comparison.

Cost: per card (title + the card's excerpt + the full abstract's paragraphs, as
``_paper_card.html`` renders them) for papers with math and without, converted cold (no
cache) and served from the cache; and plain text for indexing, per paper. Times are this
process's CPU time (the machine is shared: wall time measures the neighbours).

Run: .venv/bin/python -m bench.math_render [--js /tmp/mathjs] [--cards 500]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.common import SHARED, machine, require
from paperfeed.text import latex
from paperfeed.text.mathml import to_mathml
from paperfeed.text.paper_html import EXCERPT_CHARS, paragraphs

ARXIV = SHARED / "arxiv-cs-daily-2025-2026" / "papers.jsonl.gz"
HF = SHARED / "hf-daily-papers-scraped-2024" / "papers.jsonl.gz"
_COMMAND = re.compile(r"\\[A-Za-z]+")

JS = """
const katex = require('katex'), temml = require('temml');
const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean);
const ok = (f) => { try { f(); return 1; } catch (e) { return 0; } };
for (const line of lines) {
  const [tex, display] = JSON.parse(line);
  const opts = {throwOnError: true, displayMode: display, strict: 'ignore'};
  console.log('@@' + JSON.stringify([ok(() => katex.renderToString(tex, opts)),
                              ok(() => temml.renderToString(tex, opts))]));
}
"""


def papers(path: Path, abstract_key: str) -> list[tuple[str, str]]:
    with gzip.open(require(path), "rt") as f:
        return [(r["title"], r.get(abstract_key) or "") for r in map(json.loads, f)]


def quality(name: str, items: list[tuple[str, str]], js: Path | None) -> dict:
    texts = [t for pair in items for t in pair]
    formulas = [(m, t) for t in texts for m in latex.find_math(t)]
    with_math = [t for t in texts if latex.find_math(t)]
    rendered = [to_mathml(m.latex, display=m.display) is not None for m, _ in formulas]
    by_text: dict[str, bool] = {}
    failed = Counter()
    for (m, t), ok in zip(formulas, rendered, strict=True):
        by_text[t] = by_text.get(t, True) and ok
        if not ok:
            failed[(_COMMAND.findall(m.latex) or ["(syntax)"])[-1]] += 1
    changed = sum(latex.to_plain_text(t) != t for t in texts if not latex.find_math(t))
    result = {
        "data": name,
        "papers": len(items),
        "texts": len(texts),
        "texts_with_math": len(with_math),
        "formulas": len(formulas),
        "formulas_rendered": sum(rendered),
        "formula_share": round(sum(rendered) / max(1, len(formulas)), 4),
        "texts_all_rendered": sum(by_text.values()),
        "text_share": round(sum(by_text.values()) / max(1, len(by_text)), 4),
        "texts_without_math_changed_by_text_mode": changed,
        "top_fallback_commands": failed.most_common(12),
    }
    if js is not None:
        lines = "\n".join(json.dumps([m.latex, m.display]) for m, _ in formulas)
        out = subprocess.run(
            ["node", "-e", JS], input=lines, capture_output=True, text=True, cwd=js, check=True
        ).stdout.splitlines()
        # temml and katex log warnings to stdout too: the answers are the lines marked @@
        flags = [json.loads(x[2:]) for x in out if x.startswith("@@")]
        assert len(flags) == len(formulas), (len(flags), len(formulas))
        result["katex_share"] = round(sum(f[0] for f in flags) / max(1, len(flags)), 4)
        result["temml_share"] = round(sum(f[1] for f in flags) / max(1, len(flags)), 4)
    return result


def card(title: str, abstract: str, html) -> int:
    """What _paper_card.html converts for one paper; returns the characters produced."""
    n = len(html(title))
    short = latex.cut(abstract, EXCERPT_CHARS)
    n += len(html(short))
    if len(short) < len(abstract):
        n += sum(len(html(p)) for p in paragraphs(abstract))
    return n


def cost(items: list[tuple[str, str]], cards: int) -> dict:
    rng = random.Random(13)
    math = [p for p in items if latex.find_math(p[0]) or latex.find_math(p[1])]
    plain = [p for p in items if not (latex.find_math(p[0]) or latex.find_math(p[1]))]
    result = {}
    for label, sample in (("math", rng.sample(math, cards)), ("no_math", rng.sample(plain, cards))):
        cold = latex.to_html.__wrapped__  # the conversion itself, no cache
        start = time.process_time()
        for t, a in sample:
            card(t, a, cold)
        result[f"cold_us_per_card_{label}"] = round((time.process_time() - start) / cards * 1e6)
        latex.to_html.cache_clear()
        for t, a in sample:
            card(t, a, latex.to_html)
        start = time.process_time()
        for t, a in sample:
            card(t, a, latex.to_html)
        result[f"cached_us_per_card_{label}"] = round(
            (time.process_time() - start) / cards * 1e6, 1
        )
    plain_text = latex.to_plain_text.__wrapped__
    start = time.process_time()
    for t, a in items:
        plain_text(t)
        plain_text(a)
    result["plain_text_us_per_paper_all"] = round((time.process_time() - start) / len(items) * 1e6)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--js", type=Path, help="folder with node_modules/katex and temml")
    parser.add_argument("--cards", type=int, default=500)
    args = parser.parse_args()
    arxiv, hf = papers(ARXIV, "summary"), papers(HF, "abstract")
    print(f"machine: {machine()}")
    first = arxiv[:2000]
    print(
        "first 2,000 arXiv listings with math in title or abstract:",
        sum(bool(latex.find_math(t) or latex.find_math(a)) for t, a in first),
    )
    for name, items in (("arxiv-cs-daily-2025-2026", arxiv), ("hf-daily-papers-scraped-2024", hf)):
        print(json.dumps(quality(name, items, args.js)))
    print(json.dumps({"cost (arxiv sample)": cost(arxiv, args.cards)}))


if __name__ == "__main__":
    main()
