"""Customer text in markdown, made inert.

Work packages, job reports and review forms are markdown that the vendor's people open in the
Prefect UI. Notes, entry names, dictionary terms and captions come from the customer, so they are
written as text, never as markup: a note holding ``<img src=…>``, ``![x](https://…)`` or a fake
``# heading`` shows up as those characters, and nothing loads or renders.

* :func:`md_text`: multi-line text with HTML and markdown syntax escaped (line breaks kept).
* :func:`md_inline`: one line (table cells, headings, list items): whitespace folded, escaped.
* :func:`md_block`: a fenced block whose fence is longer than any fence-like run inside, so the
  text can never close it early; best for captions and free-form notes that people copy.
"""

from __future__ import annotations

import re

__all__ = ["md_block", "md_inline", "md_text"]

# Characters that start markup in CommonMark / GFM (emphasis, code, links, images, tables,
# headings, strikethrough, footnotes); escaped with a backslash.
_MARKUP = re.compile(r"([\\`*_\[\]!|#~{}])")


def md_text(text: str | None) -> str:
    """``text`` escaped so a markdown renderer shows it verbatim (no HTML, links or emphasis).

    Example:
        >>> md_text("<img src=x> [a](b)")
        '&lt;img src=x&gt; \\\\[a\\\\](b)'
    """
    escaped = (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKUP.sub(r"\\\1", escaped)


def md_inline(text: str | None) -> str:
    """One escaped line: all whitespace (line breaks too) folded to single spaces."""
    return md_text(" ".join((text or "").split()))


def md_block(text: str | None, info: str = "") -> str:
    """``text`` in a fenced block that nothing inside can close (the fence outgrows any run of ~ or `)."""
    body = (text or "").rstrip("\n")
    longest = max((len(run) for run in re.findall(r"~+|`+", body)), default=0)
    fence = "~" * max(4, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"
