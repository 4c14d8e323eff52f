"""What a page must have to be read with a screen reader and a keyboard (RGAA basics).

Checked on every page the route × role test opens: the language, one h1, headings in order, a
label for every field, a text alternative for every image, a name for every button and link.
"""

from __future__ import annotations

import itertools

from lxml import html as lxml_html

#: Inputs a person fills (hidden fields and buttons carry their own text).
FILLED = {"text", "email", "password", "date", "search", "tel", "number", "file", "checkbox",
          "radio", "url", ""}


def accessibility_problems(page: str) -> list[str]:
    """Every problem found on the page, in words; empty when none."""
    tree = lxml_html.fromstring(page)
    problems = []
    if tree.get("lang") != "fr":
        problems.append("<html> sans lang=\"fr\"")
    levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} titres h1 (il en faut un)")
    problems += [f"titre h{b} après h{a} : un niveau sauté"
                 for a, b in itertools.pairwise(levels) if b > a + 1]
    labelled = {label.get("for") for label in tree.iter("label") if label.get("for")}
    for field in tree.iter("input", "select", "textarea"):
        if field.tag == "input" and (field.get("type") or "").lower() not in FILLED:
            continue
        if not (field.get("id") in labelled or field.get("aria-label")
                or field.get("aria-labelledby") or _inside_label(field)):
            problems.append(f"champ {field.get('name')!r} sans libellé")
    problems += [f"image {img.get('src')!r} sans alt" for img in tree.iter("img")
                 if img.get("alt") is None]
    for element in tree.iter("button", "a"):
        if element.tag == "a" and element.get("href") is None:
            continue
        if not (element.text_content().strip() or element.get("aria-label")
                or any(img.get("alt") for img in element.iter("img"))):
            problems.append(f"{element.tag} sans texte ({element.get('href') or ''})")
    return problems


def _inside_label(element: lxml_html.HtmlElement) -> bool:
    return any(parent.tag == "label" for parent in element.iterancestors())
