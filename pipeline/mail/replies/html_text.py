"""The text of an HTML body as a reader sees it, quoted blocks given as ``>`` lines.

Quoted blocks are marked, not dropped, so that the line rules of ``quotes.trim_reply`` read an
HTML reply as they read a plain one, including writing below the quote (Roundcube's
``reply-intro`` paragraph then a blockquote, Gmail and Apple Mail bottom-posting).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from pipeline.mail.replies.folding import clean_text

_BLOCKS = {"address", "article", "aside", "blockquote", "body", "center", "dd", "div", "dl",
           "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
           "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table",
           "tbody", "tfoot", "thead", "tr", "ul"}
_CELLS = {"td", "th"}
_UNSEEN = {"head", "script", "style", "title", "template", "noscript"}


def _class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


#: Where clients put the original below a reply header, not in a blockquote: everything from
#: there on is the original (Outlook desktop, web and mobile, Zimbra, Thunderbird's forward).
_CUT_FROM = " | ".join((
    "//*[contains(@id, 'divRplyFwdMsg')]", "//*[contains(@id, 'appendonsend')]",
    "//*[@id = 'mail-editor-reference-message-container']",
    "//*[contains(@id, 'reference-message')]", "//*[@id = 'OLK_SRC_BODY_SECTION']",
    "//hr[@id = 'zwchr']", "//*[@data-marker = '__DIVIDER__']",
    "//*[@data-marker = '__HEADERS__']", "//*[@data-marker = '__QUOTED_TEXT__']",
    f"//*[{_class('moz-forward-container')}]", f"//*[{_class('zmail_extra')}]"))
#: Blocks holding quoted text or the attribution above it, shown as ``>`` lines.
_QUOTED = " | ".join((
    "//blockquote", f"//*[{_class('gmail_quote')}]", f"//*[{_class('gmail_attr')}]",
    "//*[contains(@class, 'gmail_quote_container')]", f"//*[{_class('moz-cite-prefix')}]",
    "//*[contains(@class, 'yahoo_quoted')]", f"//*[{_class('protonmail_quote')}]",
    "//*[@id = 'reply-intro']", f"//*[{_class('reply-intro')}]",
    f"//*[{_class('x_gmail_quote')}]", "//*[@type = 'cite']"))
#: Signatures and client footers, dropped ("Envoyé avec Proton Mail", Samsung's, Yahoo's).
_DROPPED = " | ".join((
    f"//*[{_class('gmail_signature')}]", f"//*[{_class('moz-signature')}]",
    f"//*[{_class('protonmail_signature_block')}]", "//*[@id = 'composer_signature']",
    "//*[starts-with(@id, 'ymail_android_signature')]", "//*[@id = 'Signature']",
    "//*[contains(translate(@style, ' ', ''), 'display:none')]"))


def html_to_text(html: str) -> str:
    """The visible text of an HTML body: quoted blocks as ``>`` lines, nothing below a reply
    header, signatures and hidden blocks out."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"),
                                             parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    for element in root.xpath(_CUT_FROM)[:1]:
        _cut_from(element)
    for element in root.xpath(_DROPPED):
        if element.getparent() is not None:
            element.drop_tree()
    writer = _Writer(set(root.xpath(_QUOTED)))
    writer.render(root, preformatted=False, depth=0)
    return writer.text()


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


class _Writer:
    """Text written block by block, each line remembering how deep in quotes it began."""

    def __init__(self, quoted: set[etree._Element]) -> None:
        self.quoted = quoted
        self.chunks: list[str] = []
        self.line = 0
        self.depths: dict[int, int] = {}
        self.blank = True

    def render(self, element: etree._Element, *, preformatted: bool, depth: int) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _UNSEEN:
            return
        quoted = element in self.quoted
        depth += quoted
        if tag == "br":
            self.write("\n", depth)
        elif tag in _BLOCKS or quoted:
            self.newline()
        elif tag in _CELLS:
            self.write(" ", depth)
        inner = preformatted or tag == "pre"
        if tag and element.text:
            self.write(_inline(element.text, inner), depth)
        for child in element:
            self.render(child, preformatted=inner, depth=depth)
            if child.tail:
                self.write(_inline(child.tail, inner), depth)
        if tag in _BLOCKS or quoted:
            self.newline()

    def write(self, text: str, depth: int) -> None:
        for index, part in enumerate(text.split("\n")):
            if index:
                self.line += 1
                self.blank = True
            if part.strip():
                self.depths.setdefault(self.line, depth)
                self.blank = False
        self.chunks.append(text)

    def newline(self) -> None:
        """End the current line unless nothing but spaces is on it."""
        if not self.blank:
            self.write("\n", 0)

    def text(self) -> str:
        lines = [line.strip() for line in clean_text("".join(self.chunks)).split("\n")]
        marked = ["> " * self.depths.get(number, 0) + line if line else line
                  for number, line in enumerate(lines)]
        return "\n".join(marked).strip("\n")


def _inline(text: str, preformatted: bool) -> str:
    return text if preformatted else re.sub(r"[ \t\r\n\f]+", " ", text)
