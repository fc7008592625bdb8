"""The pre-processing arXiv's HTML (LaTeXML output) needs before any HTML-to-Markdown converter.

LaTeXML writes each formula as MathML with its TeX source in ``alttext`` (and in an
``annotation encoding="application/x-tex"``), display equations as layout tables
(``table.ltx_equation``, ``ltx_equationgroup``), footnotes inline in ``span.ltx_note``,
citations as ``cite.ltx_cite`` with links to the bibliography, list bullets as spans
(``ltx_tag_item``) besides the list's own, and figures as ``<img>`` files the Markdown cannot
carry. So, on the parsed tree: every formula becomes a placeholder word (restored as
``$…$`` or ``$$…$$`` after conversion, so no converter escapes its ``_`` or ``*``), equation
tables become one ``$$…$$`` paragraph per row, footnotes become ``[^n]`` marks with their
text collected, figures keep their caption only, internal links become their text, and the
page's chrome (navigation, title block, authors, abstract, footer) is dropped. The converter
then sees plain headings, paragraphs, lists and tables (chosen by measurement:
docs/fulltext.md "Choosing the converter").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from html_to_markdown import ConversionOptions, convert
from lxml import etree

_TEX_SPACE = re.compile(r"\s+")
_DISPLAYSTYLE = re.compile(r"^\\displaystyle\s*")
_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)
_PLACEHOLDER = re.compile(r"XQMATH(\d+)QX|XQNOTE(\d+)QX")
_DROPPED = (
    "ltx_page_navbar ltx_page_header ltx_page_footer ltx_title_document ltx_authors ltx_dates"
    " ltx_abstract ltx_ERROR ltx_rdf ltx_pagination ltx_TOC"
).split()
_DROPPED_TAGS = ("script", "style", "nav", "header", "footer", "button", "noscript", "img")


class NotLatexml(ValueError):
    """The page is not a LaTeXML document (no ``article.ltx_document``)."""


@dataclass
class Prepared:
    """A LaTeXML page made plain for a converter: the body and the bibliography as HTML with
    placeholders, the formulas and footnotes the placeholders stand for."""

    body: str
    bibliography: str
    math: list[tuple[str, bool]] = field(default_factory=list)  # (TeX, display)
    notes: list[str] = field(default_factory=list)


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def parse_document(page: bytes) -> etree._Element:
    """The ``article.ltx_document`` of a page; NotLatexml if it has none."""
    try:
        # Plain lxml elements, not lxml.html's: its per-element class lookup costs ~10%.
        root = etree.fromstring(page, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise NotLatexml(f"not an HTML page ({exc})") from None
    if root is None:
        raise NotLatexml("not an HTML page (empty)")
    found = root.xpath(f"//article[{_has_class('ltx_document')}]")
    if not found:
        raise NotLatexml("not LaTeXML output (no article.ltx_document)")
    return found[0]


def prepare(article: etree._Element) -> Prepared:
    """The article as plain HTML for a converter (see the module docstring); changes it."""
    out = Prepared("", "")
    for el in article.xpath(".//*[@class]"):
        if _classes(el) & set(_DROPPED):
            _drop(el)
    for el in list(article.iter(*_DROPPED_TAGS)):
        if el.getparent() is not None:
            _drop(el)
    _equations(article, out)
    for el in article.xpath(".//*[local-name()='math']"):
        _replace_with_text(el, _math_mark(out, _tex_of(el), el.get("display") == "block"))
    _footnotes(article, out)
    _figures(article)
    _inline_markup(article)
    bibliography = article.xpath(f".//section[{_has_class('ltx_bibliography')}]")
    if bibliography:
        _bibliography(bibliography[0])
        out.bibliography = etree.tostring(bibliography[0], encoding="unicode", method="html")
        _drop(bibliography[0])
    out.body = etree.tostring(article, encoding="unicode", method="html")
    return out


def finish(prepared: Prepared, body_md: str, bibliography_md: str) -> tuple[str, str]:
    """The converted body with its footnotes after it, and the bibliography, with every
    placeholder restored (kept apart: search looks inside the first only)."""
    parts = [body_md.strip()]
    if prepared.notes:
        parts.append("\n".join(f"[^{i + 1}]: {note}" for i, note in enumerate(prepared.notes)))
    body = "\n\n".join(p for p in parts if p)

    def restored(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: _restore(prepared, m), text)

    return restored(body), restored(bibliography_md.strip())


def to_markdown(article: etree._Element) -> tuple[str, str]:
    """The article's body (footnotes included) and its bibliography as Markdown."""
    prepared = prepare(article)
    return finish(prepared, _converted(prepared.body), _converted(prepared.bibliography))


def _converted(fragment: str) -> str:
    if not fragment:
        return ""
    options = ConversionOptions(heading_style="atx", skip_images=True, bullets="-")
    return convert(fragment, options).content or ""


def _restore(prepared: Prepared, match: re.Match) -> str:
    if match.group(1) is not None:
        tex, display = prepared.math[int(match.group(1))]
        return f"$${tex}$$" if display else f"${tex}$"
    return f"[^{int(match.group(2)) + 1}]"


def _math_mark(out: Prepared, tex: str, display: bool) -> str:
    out.math.append((tex, display))
    return f"XQMATH{len(out.math) - 1}QX"


def _tex_of(math) -> str:
    tex = math.get("alttext")
    if not tex:
        found = math.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']")
        tex = _text(found[0]) if found else _text(math)
    return _DISPLAYSTYLE.sub("", _TEX_SPACE.sub(" ", tex).strip())


def _equations(article, out: Prepared) -> None:
    """A display equation (or each row of an aligned group) as one ``$$…$$`` paragraph, with
    its number when it has one."""
    for table in article.xpath(f".//table[{_has_class('ltx_eqn_table')}]"):
        paragraphs = []
        for row in table.xpath(".//tr"):
            tex = " ".join(_tex_of(m) for m in row.xpath(".//*[local-name()='math']"))
            if not tex:
                continue
            p = etree.Element("p")
            tag = row.xpath(f".//*[{_has_class('ltx_tag_equation')}]")
            p.text = _math_mark(out, tex, True) + (f" {_text(tag[0]).strip()}" if tag else "")
            paragraphs.append(p)
        parent = table.getparent()
        for p in reversed(paragraphs):
            table.addnext(p)
        p_tail = table.tail
        parent.remove(table)
        if paragraphs and p_tail:
            paragraphs[-1].tail = (paragraphs[-1].tail or "") + p_tail


def _footnotes(article, out: Prepared) -> None:
    for note in article.xpath(f".//*[{_has_class('ltx_role_footnote')}]"):
        content = note.xpath(f".//*[{_has_class('ltx_note_content')}]")
        target = content[0] if content else note
        for mark in target.xpath(
            f".//*[{_has_class('ltx_note_mark')} or {_has_class('ltx_tag_note')}]"
        ):
            _drop(mark)
        out.notes.append(_TEX_SPACE.sub(" ", _text(target)).strip())
        _replace_with_text(note, f"XQNOTE{len(out.notes) - 1}QX")


def _figures(article) -> None:
    """A figure keeps its caption (as an emphasised paragraph) and any table inside it."""
    for figure in article.iter("figure"):
        for caption in figure.iter("figcaption"):
            caption.tag = "p"
            text = _TEX_SPACE.sub(" ", _text(caption)).strip()
            for child in list(caption):
                caption.remove(child)
            caption.text = None
            em = etree.SubElement(caption, "em")
            em.text = text
        figure.tag = "div"


def _inline_markup(article) -> None:
    """Links inside the paper become their text (http/https ones to other sites stay);
    citations their text; list items lose LaTeXML's own bullet; theorem titles are bold."""
    for a in list(article.iter("a")):
        href = a.get("href") or ""
        if not href.startswith(("http://", "https://")):
            _unwrap(a)
    for cite in list(article.iter("cite")):
        _unwrap(cite)
    for tag in article.xpath(f".//*[{_has_class('ltx_tag_item')}]"):
        parent = tag.getparent()
        if parent is not None and parent.tag == "li":
            _drop(tag)
    for span in article.xpath(f".//span[{_has_class('ltx_font_bold')}]"):
        span.tag = "strong"
    for span in article.xpath(f".//span[{_has_class('ltx_font_italic')}]"):
        span.tag = "em"
    for title in article.xpath(
        f".//h6[{_has_class('ltx_runin')}] | .//h6[ancestor::div[{_has_class('ltx_theorem')} or {_has_class('ltx_proof')}]]"
    ):
        title.tag = "strong"
    for span in article.xpath(f".//span[{_has_class('ltx_tabular')}]"):
        inside_table = span.xpath("ancestor::td | ancestor::th")
        if inside_table:
            _unwrap(span)
            continue
        span.tag = "table"
        for row in span.xpath(f".//span[{_has_class('ltx_tr')}]"):
            row.tag = "tr"
        for cell in span.xpath(f".//span[{_has_class('ltx_td')}]"):
            cell.tag = "td"


def _bibliography(section) -> None:
    """Each bibliography entry as one line: "[n] authors. title. venue"."""
    for item in section.xpath(f".//li[{_has_class('ltx_bibitem')}]"):
        text = _TEX_SPACE.sub(" ", _text(item)).strip()
        for child in list(item):
            item.remove(child)
        item.text = text


def _replace_with_text(el, text: str) -> None:
    """Put ``text`` where ``el`` was (keeping its tail), and remove ``el``."""
    parent = el.getparent()
    if parent is None:
        return
    joined = text + (el.tail or "")
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(el)


def _text(el) -> str:
    return "".join(el.itertext())


def _unwrap(el) -> None:
    """Replace ``el`` by its content (text and children), as lxml.html's ``drop_tag``."""
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    children = list(el)
    head = el.text or ""
    tail = el.tail or ""
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    else:
        head += tail
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + head
    else:
        parent.text = (parent.text or "") + head
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)


def _drop(el) -> None:
    """Remove ``el`` and its content, keeping the text that follows it."""
    if el.getparent() is not None:
        _replace_with_text(el, "")
