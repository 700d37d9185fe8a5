"""Plain text from whatever a job board sends: HTML, entity-escaped HTML, escaped Markdown.

`clean` keeps paragraph and list structure as newlines ("- " starts a list item) and
collapses everything else to single spaces. It is regex-based on purpose: it runs on
every posting of a batch (100,000 of them) and html.parser is several times slower.
`text_hash` is the stable key of a cleaned text (embedding cache, dedupe).
"""

from __future__ import annotations

import hashlib
import html
import re

__all__ = ["clean", "decode_bytes", "text_hash"]

# Greenhouse sends its HTML entity-escaped ("&lt;p&gt;"); some feeds escape it twice.
_ESCAPED_TAG = re.compile(r"&(?:amp;)*lt;/?[a-zA-Z][a-zA-Z0-9]*(?:\s|&(?:amp;)*gt;|/)")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DROP_BLOCK = re.compile(r"<(script|style|head|noscript)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_LI_OPEN = re.compile(r"<li\b[^<>]*>", re.I)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|ul|ol|h[1-6]|tr|table|section|article|blockquote|pre|hr|header|"
    r"footer|dl|dt|dd|figure)\b[^<>]*>",
    re.I,
)
_CELL_TAG = re.compile(r"</?t[dh]\b[^<>]*>", re.I)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")
# "<li><p>Item</p></li>" (Lever, Ashby, Recruitee) leaves the bullet alone on its line.
_BARE_BULLET = re.compile(r"\n- [ \t]*(?:\n[ \t]*)++(?=\S)(?!- )")
# A payload cut short mid-tag ('<p class="x" style="...' at the very end) has no ">".
_CUT_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?$")
_CUT_TAG_WITH_ATTRIBUTE = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*\s[^<>]*=[\"'][^<>]*$")

# Markdown as written by JobSpy: backslash escapes, bold/italic markers, headings, links.
_MD_ESCAPE = re.compile(r"\\+([^\w\s\\])")
# Patterns start with a literal ("**", "\n") so the regex engine can skip ahead to it;
# line starts are matched as "\n" on a text that gets a leading newline for the pass.
_MD_BOLD_STARS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_MD_BOLD_UNDERSCORES = re.compile(r"__(?=\S)(.+?)(?<=\S)__", re.S)
_MD_STRAY_BOLD = re.compile(r"\*\*+")
_MD_HEADING = re.compile(r"\n[ \t]*(?:#{1,6}[ \t]+)+")
_MD_BULLET = re.compile(r"\n[ \t]*[*+•·▪◦●][ \t]+")
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")

# Regexes, not str.translate: translate walks every character in Python-level lookups.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]+")
_RUN_OF_SPACES = re.compile(" {2,}")
_ODD_SPACE = re.compile("[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\f\v]")
_MANY_NL = re.compile(r"\n{3,}")


def clean(raw: str | None) -> str:
    """Return plain text from HTML/Markdown `raw`: paragraphs and list items on their own
    lines, entities decoded, invisible characters gone, spaces collapsed; "" for None."""
    if not raw:
        return ""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _unescape_html_layers(text)
    if "<" in text and (_TAG.search(text) or _CUT_TAG_WITH_ATTRIBUTE.search(text)):
        text = _strip_tags(text)
    text = _decode_entities(text)
    text = _plain_spaces(text)  # before Markdown: "&nbsp;# Title" is a heading too
    text = _strip_markdown(text)
    return _tidy_spaces(text)


def decode_bytes(data: bytes) -> str:
    """Text bytes decoded by their BOM, else as UTF-8, else as Windows-1252 (Latin-1 for the
    bytes it leaves undefined): what office tools and old exports write. Never a replacement
    character; ValueError for binary content (NUL bytes) or bytes a BOM's encoding breaks."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ValueError("binary content (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        return data.decode("latin-1") if "\ufffd" in text else text


def text_hash(text: str) -> str:
    """Return the first 32 hex chars of sha256 of `text` (pass the output of `clean`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _unescape_html_layers(text: str) -> str:
    """Undo entity-escaping of whole HTML documents, as many layers as there are (max 4)."""
    for _ in range(4):
        if "&" not in text or not _ESCAPED_TAG.search(text):
            break
        if "&amp;lt;" in text:
            text = text.replace("&amp;", "&")
        else:
            # One layer of html.escape: plain replacements (C speed) instead of
            # html.unescape's Python callback per entity; "&amp;" last.
            for entity, char in _ESCAPE_LAYER:
                text = text.replace(entity, char)
    return text


_ESCAPE_LAYER = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#39;", "'"),
    ("&#x27;", "'"),
    ("&amp;", "&"),
)


def _strip_tags(text: str) -> str:
    text = _COMMENT.sub(" ", text)
    text = _DROP_BLOCK.sub(" ", text)
    # Source newlines inside HTML are formatting, not content: tags carry the structure.
    text = text.replace("\n", " ")
    # Plain-string replacements, not a callback per tag: several times faster.
    text = _LI_OPEN.sub("\n- ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _CELL_TAG.sub(" ", text)
    text = _CUT_TAG.sub("", _TAG.sub("", text))
    if "\n- " in text:
        text = _BARE_BULLET.sub("\n- ", text)
    return text


def _decode_entities(text: str) -> str:
    if "&" not in text:
        return text
    text = text.replace("&nbsp;", "\u00a0")  # the most common one, without a callback
    for _ in range(3):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


# Each pass runs only when its trigger is in the text: `in` is a fast C scan, a regex
# pass over a 20 KB description is not, and clean() runs on every posting of a batch.
def _strip_markdown(text: str) -> str:
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if "**" in text:
        text = _MD_STRAY_BOLD.sub("", _MD_BOLD_STARS.sub(r"\1", text))
    if "__" in text:
        text = _MD_BOLD_UNDERSCORES.sub(r"\1", text)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    has_heading = "#" in text
    has_bullet = any(mark in text for mark in _BULLET_MARKS)
    if has_heading or has_bullet:
        text = "\n" + text
        if has_heading:
            text = _MD_HEADING.sub("\n", text)
        if has_bullet:
            text = _MD_BULLET.sub("\n- ", text)
        text = text[1:]
    return text


_BULLET_MARKS = ("* ", "+ ", "•", "·", "▪", "◦", "●", "*\t", "+\t")
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"
_ODD_SPACE_CHARS = "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\f\v"


def _plain_spaces(text: str) -> str:
    if any(ch in text for ch in _INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    if any(ch in text for ch in _ODD_SPACE_CHARS):
        text = _ODD_SPACE.sub(" ", text)
    return text


def _tidy_spaces(text: str) -> str:
    if "  " in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = "\n".join(line.strip(" ") for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _MANY_NL.sub("\n\n", text)
    return text.strip()


# UTF-8 read as Windows-1252 or Latin-1: "â‚¬" or "â\x82¬" for "€", "Â£" for "£", "â€“" for "–".
_MOJIBAKE = re.compile(
    r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]{1,3}"
)


def repair_mojibake(text: str) -> str:
    """Return text with UTF-8 sequences that were decoded as Windows-1252 or Latin-1 put
    back ("â‚¬13.25" -> "€13.25"); text without such runs is returned as it is."""
    if "¬" in text or "‚" in text:
        text = _MAC_MOJIBAKE.sub(_mac_repaired, text)
    for _ in range(4):  # "MontrÃÂÃÂ©al": text mis-decoded again at every hop
        if not _MOJIBAKE.search(text):
            break
        repaired = _MOJIBAKE.sub(_repaired, text)
        if repaired == text:
            break
        text = repaired
    return text


# UTF-8 read as Mac Roman: "¬£" for "£", "‚Äì" for "–", "‚Ç¨" for "€".
_MAC_MOJIBAKE = re.compile(r"¬[^\x00-\x7f]|‚[^\x00-\x7f]{2}")


def _mac_repaired(m: re.Match[str]) -> str:
    return _redecoded(m.group(), ("mac_roman",))


def _repaired(m: re.Match[str]) -> str:
    return _redecoded(m.group(), ("cp1252", "latin-1"))


def _redecoded(run: str, encodings: tuple[str, ...]) -> str:
    """`run` as the UTF-8 bytes it was when read in the first of `encodings` that gives
    them; `run` itself when none does."""
    for encoding in encodings:
        try:
            return run.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return run
