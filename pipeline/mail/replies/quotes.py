"""What the person wrote on top of a reply, without the quoted mail, signature or client footer.

Written here rather than taken from a library: ``mail-parser-reply`` (1.36) and
``email_reply_parser`` (0.5.12) were tried on the French layouts of our corpus and both failed on
several (a Gmail attribution wrapped over two lines, Free/Zimbra "Mail original", Orange "Message
du", "Début du message réexpédié", mobile footers, interleaved quotes), and ``talon`` has had no
release since 2017. The rules below follow the layouts of tests/unit/mail_corpus.
"""

from __future__ import annotations

import re
import unicodedata

import lxml.html
from lxml import etree

#: Line-opening words of an attribution ("Le … a écrit :", "On … wrote:", "Am … schrieb:").
_ATTRIBUTION_START = re.compile(r"^(?:le|on|am)\s")
_ATTRIBUTION_END = re.compile(r"(?:a\s+ecrit|wrote|schrieb)\s*:\s*$")
#: How many lines a client may wrap an attribution over (Gmail wraps long names and addresses).
_ATTRIBUTION_LINES = 3
_SEPARATOR = re.compile(
    r"^(?:-{2,}\s*(?:original message|message d'origine|mail original|message original"
    r"|forwarded message|message transfere|message reexpedie|e-mail d'origine"
    r"|weitergeleitete nachricht|ursprungliche nachricht)\s*-{2,}"
    r"|_{10,}"
    r"|(?:debut du message reexpedie|begin forwarded message)\s*:?"
    r"|message du \d{1,2}/\d{1,2}/\d{2,4}.*)$"
)
#: First line of a header block that clients write above the original, unquoted (Outlook, Zimbra).
_HEADER_FROM = re.compile(r"^\*?(?:de|from|expediteur|von)\s*\*?\s*:")
_HEADER_OTHER = re.compile(
    r"^\*?(?:envoye|sent|date|a|to|objet|subject|cc|gesendet|an|betreff)\s*\*?\s*:")
#: How far below "De :" the next header line may be (a long recipient list wraps).
_HEADER_REACH = 5
_MOBILE_FOOTER = re.compile(
    r"^(?:(?:envoye|envoyee|expedie|sent)\s+(?:de|depuis|a partir de|from|via)\s+"
    r"(?:mon|ma|mes|un|une|l'|la|le|my|an?|yahoo|outlook|gmail|mail|courrier|orange|sfr|free"
    r"|bouygues|samsung|iphone|ipad|android|windows|proton)\b"
    r"|(?:obtenir|telecharger|get|download)\s+outlook\s+(?:pour|for)\b"
    r"|provenance\s*:\s*courrier pour windows)"
)
#: A footer is a short line of its own; a longer one is a sentence the person wrote.
_MOBILE_FOOTER_MAX = 60
_INLINE_IMAGE = re.compile(r"^\[cid:[^\]]+\]$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\ufeff"))

_BLOCKS = {"address", "article", "aside", "blockquote", "body", "center", "dd", "div", "dl",
           "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
           "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table",
           "tbody", "tfoot", "thead", "tr", "ul"}
_CELLS = {"td", "th"}
_UNSEEN = {"head", "script", "style", "title", "template"}
#: Outlook writes the original below these (on the web and desktop), Zimbra below its rule.
_CUT_FROM = ("//*[contains(@id, 'divRplyFwdMsg')] | //*[contains(@id, 'appendonsend')]"
             " | //hr[@id = 'zwchr']")
_QUOTED_BLOCKS = ("//blockquote | //*[contains(concat(' ', normalize-space(@class), ' '),"
                  " ' gmail_quote ')] | //*[contains(@class, 'gmail_quote_container')]"
                  " | //*[contains(@class, 'moz-cite-prefix')]"
                  " | //*[contains(@class, 'yahoo_quoted')]")


def trim_reply(text: str) -> str:
    """The lines the person wrote: quoted mail, signature and mobile footer removed."""
    lines = [line.rstrip() for line in _clean(text).split("\n")]
    kept: list[str | None] = []  # None stands for removed quoted lines
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_quoted(line):
            kept.append(None)
            index += 1
            continue
        if _INLINE_IMAGE.match(line.strip()):
            index += 1  # Outlook's stand-in for a picture in its HTML (a signature logo)
            continue
        if _ends_reply(lines, index):
            break
        end = _attribution_end(lines, index)
        if end is not None:
            # Above quoted lines the attribution goes with them and writing may follow below
            # (bottom-posting); above unquoted text it opens the original, which runs to the end.
            if not _quote_follows(lines, end + 1):
                break
            kept.extend([None] * (end + 1 - index))
            index = end + 1
            continue
        kept.append(line)
        index += 1
    return _join(kept)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, quoted blocks and everything below a reply header out."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"),
                                             parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    for element in root.xpath(_CUT_FROM)[:1]:
        _cut_from(element)
    for element in root.xpath(_QUOTED_BLOCKS):
        if element.getparent() is not None:  # not already gone with a quoted ancestor
            element.drop_tree()
    out: list[str] = []
    _render(root, out, preformatted=False)
    lines = [line.replace("\xa0", " ").strip() for line in "".join(out).split("\n")]
    return "\n".join(lines).strip("\n")


def _clean(text: str) -> str:
    unified = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return unified.translate(_INVISIBLE)


def _fold(line: str) -> str:
    """Lowercase, accentless, straight apostrophes, trimmed: how marker lines are compared."""
    stripped = "".join(char for char in unicodedata.normalize("NFKD", line)
                       if not unicodedata.combining(char))
    return " ".join(stripped.replace("\u2019", "'").casefold().split())


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _ends_reply(lines: list[str], index: int) -> bool:
    """Whether the original mail, a signature or a client footer starts at ``lines[index]``."""
    line = lines[index]
    if line.strip() == "--":  # "-- " (RFC 3676 §4.3), or "--" once a client trimmed its space
        return True
    folded = _fold(line)
    if not folded:
        return False
    if len(folded) <= _MOBILE_FOOTER_MAX and _MOBILE_FOOTER.match(folded):
        return True
    if _SEPARATOR.match(folded):
        return True
    if _HEADER_FROM.match(folded):
        below = lines[index + 1:index + 1 + _HEADER_REACH]
        return any(_HEADER_OTHER.match(_fold(other)) for other in below)
    return False


def _attribution_end(lines: list[str], index: int) -> int | None:
    """The last line of an attribution starting at ``lines[index]``, None if none starts there."""
    if not _ATTRIBUTION_START.match(_fold(lines[index])):
        return None
    for end in range(index, min(index + _ATTRIBUTION_LINES, len(lines))):
        if end > index and (not lines[end].strip() or _is_quoted(lines[end])):
            return None
        joined = " ".join(_fold(line) for line in lines[index:end + 1])
        # A date or time in it: "On a écrit :" is a French sentence, not an attribution.
        if _ATTRIBUTION_END.search(joined) and re.search(r"\d", joined):
            return end
    return None


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return _is_quoted(line)
    return False


def _join(kept: list[str | None]) -> str:
    """The kept lines, one blank line where a quoted block was taken out between two paragraphs."""
    out: list[str] = []
    gap = False
    for line in kept:
        if line is None:
            gap = True
            continue
        if gap and not line.strip():
            continue
        if gap:
            while out and not out[-1].strip():
                out.pop()
            if out:
                out.append("")
            gap = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out)


def _cut_from(element: etree._Element) -> None:
    """Remove ``element`` and everything after it in document order."""
    node = element
    while node.getparent() is not None:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        node = parent
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _render(element: etree._Element, out: list[str], *, preformatted: bool) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in _UNSEEN:
        return
    if tag == "br":
        out.append("\n")
    elif tag in _BLOCKS:
        _newline(out)
    elif tag in _CELLS:
        out.append(" ")
    inner = preformatted or tag == "pre"
    if tag and element.text:
        out.append(_inline(element.text, inner))
    for child in element:
        _render(child, out, preformatted=inner)
        if child.tail:
            out.append(_inline(child.tail, inner))
    if tag in _BLOCKS:
        _newline(out)


def _newline(out: list[str]) -> None:
    """End the current line unless it is already ended (spaces between blocks do not count)."""
    for chunk in reversed(out):
        if chunk.strip(" "):
            if not chunk.rstrip(" ").endswith("\n"):
                out.append("\n")
            return


def _inline(text: str, preformatted: bool) -> str:
    return text if preformatted else re.sub(r"[ \t\r\n\f]+", " ", text)
