"""LaTeX in titles and abstracts (paperfeed.text): readable text and MathML, on real examples
from the demo data and arxiv-cs-daily-2025-2026 (docs/text-and-math.md)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from paperfeed.text import cut, to_html, to_plain_text
from paperfeed.text.latex import find_math


def _math(html: str) -> list[ET.Element]:
    """The <math> elements of ``html``, parsed (so their markup is well formed)."""
    root = ET.fromstring(f"<p>{html}</p>")
    return root.findall("math")


# Real titles: 2402.13939 (hf-daily-papers-scraped-2024), 2312.17276, 2402.05935.
def test_superscript_title_is_msup_and_a_superscript_character():
    title = "MVD$^2$: Efficient Multiview 3D Reconstruction for Multiview Diffusion"
    html = to_html(title)
    assert html.startswith("MVD<math")
    (math,) = _math(html)
    assert math.find("mrow/msup/mn").text == "2"
    assert "style" not in html  # the CSP allows no inline styles
    assert (
        to_plain_text(title)
        == "MVD²: Efficient Multiview 3D Reconstruction for Multiview Diffusion"
    )


def test_greek_letters_from_commands_and_from_unicode():
    assert to_plain_text(r"PanGu-$\pi$: Enhancing Language Model Architectures") == (
        "PanGu-π: Enhancing Language Model Architectures"
    )
    (math,) = _math(to_html(r"PanGu-$\pi$: Enhancing"))
    assert math.find("mrow/mi").text == "π"
    assert to_plain_text("$λ$-ECLIPSE: Multi-Concept Personalized") == (
        "λ-ECLIPSE: Multi-Concept Personalized"
    )
    assert _math(to_html("$λ$-ECLIPSE"))[0].find("mrow/mi").text == "λ"


def test_text_mode_accents_and_macros_become_unicode():
    source = (
        r"we na\"{\i}vely apply \emph{attention} to the \'etude of {\o}resund, "
        r"\textbf{50\%} faster, Fig.~3, pages 1--2, and 10% of ``quoted'' text"
    )
    assert to_plain_text(source) == (
        "we naïvely apply attention to the étude of øresund, 50% faster, Fig.\xa03, "
        "pages 1–2, and 10% of “quoted” text"
    )


def test_an_approximate_tilde_after_a_space_stays_a_tilde():
    assert to_plain_text("improves by ~5% on average") == "improves by ~5% on average"


def test_unknown_macros_stay_as_written_and_urls_stay_verbatim():
    source = r"We propose \method, see \url{https://x.org/~ab_c%20d} and https://a.b/~c_d"
    assert to_plain_text(source) == (
        r"We propose \method, see https://x.org/~ab_c%20d and https://a.b/~c_d"
    )


def test_markup_in_text_stays_text():
    source = "Der <projektor> zeigt $x<y$ & mehr"
    html = to_html(source)
    assert html.startswith("Der &lt;projektor&gt; zeigt <math")
    assert html.endswith(" &amp; mehr")
    assert _math(html)[0].find("mrow/mo").text == "<"
    assert to_plain_text(source) == "Der <projektor> zeigt x<y & mehr"


def test_prices_and_escaped_dollars_are_not_math():
    for source in ("It costs $5 and $10 a month", r"a \$5 fee", "US$ 20 and $ 30", "2$ alone"):
        assert find_math(source) == []
        assert "<math" not in to_html(source)
    assert to_plain_text(r"a \$5 fee") == "a $5 fee"
    assert to_plain_text("It costs $5 and $10 a month") == "It costs $5 and $10 a month"


def test_display_math_and_parenthesis_delimiters():
    html = to_html(r"$$E=mc^2$$ and \(O(n \log n)\) and \[x_i\]")
    displays = [m.get("display") for m in _math(html)]
    assert displays == ["block", "inline", "block"]
    assert to_plain_text(r"\(O(n \log n)\) time, $10^{-3}$, $\mathbb{R}^{d}$") == (
        "O(n log n) time, 10⁻³, ℝᵈ"
    )


@pytest.mark.parametrize(
    "source",
    [
        r"broken $\frac{1}{$ formula",  # latex2mathml fails
        r"an $\undefinedcommand{x}$ formula",  # passed through: shown as source
        "an unclosed $x^2 dollar",
    ],
)
def test_broken_or_unsupported_latex_shows_its_source(source):
    html = to_html(source)
    assert "<math" not in html
    assert str(html) == source.replace("<", "&lt;")
    assert to_plain_text(source) == source


def test_mathml_output_is_rebuilt_from_an_allow_list():
    # latex2mathml copies \text{...} through unescaped and \href into an attribute
    html = str(to_html(r"$\text{<b onclick=alert(1)>x</b>}$ and $\href{javascript:x}{y}$"))
    assert html.startswith(r"$\text{&lt;b onclick=alert(1)&gt;x&lt;/b&gt;}$ and <math")
    (link,) = _math(html)
    assert all(el.tag.startswith("m") for el in link.iter())
    assert [el.attrib for el in link.iter() if "href" in el.attrib] == []


def test_math_inside_a_text_command():
    assert to_plain_text(r"\textbf{MVD$^2$} works") == "MVD² works"


def test_excerpts_never_cut_inside_a_formula():
    source = "word " * 58 + r"$\mathcal{O}(n \log n)$ tail text"
    short = cut(source, 300)
    assert short.endswith("…")
    assert short.count("$") in (0, 2)
    assert _math(to_html(short)) or "$" not in short


def test_plain_text_keeps_paragraph_breaks():
    assert to_plain_text("first \\emph{x}\n\nsecond") == "first x\n\nsecond"


def test_the_render_caches_are_bounded_in_bytes():
    from paperfeed.text import latex

    cache = latex.to_html.cache
    latex.to_html.cache_clear()
    # ~4 kB abstracts with math, ten times more of them than the bound holds
    n = 10 * latex.CACHE_BYTES // 4000
    for i in range(n):
        to_html(f"Paper {i}: MVD$^{{{i}}}$ " + "long words " * 360)
    assert cache.currsize <= latex.CACHE_BYTES
    assert len(cache) < n // 5
    assert "<msup>" in to_html(f"Paper {n - 1}: MVD$^{{{n - 1}}}$ " + "long words " * 360)
