"""text.clean: plain text from the HTML and Markdown job boards send; text_hash is stable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from joblens.normalize.text import clean, text_hash


def test_entity_escaped_html_becomes_plain_text_with_paragraphs() -> None:
    raw = (
        "&lt;p&gt;Build &amp;amp; ship.&amp;nbsp;&lt;/p&gt;"
        "&lt;ul&gt;&lt;li&gt;Python&lt;/li&gt;&lt;li&gt;SQL&lt;/li&gt;&lt;/ul&gt;"
    )
    out = clean(raw)
    assert "<" not in out and "&lt;" not in out and "&amp;" not in out
    assert out == "Build & ship.\n\n- Python\n- SQL"


def test_twice_escaped_html_is_unescaped_fully() -> None:
    assert clean("&amp;lt;p&amp;gt;Hello&amp;lt;/p&amp;gt;") == "Hello"


def test_markdown_backslash_escapes_and_bold_are_removed() -> None:
    raw = (
        "**OVERVIEW**\n\nWe are non\\-traditional \\& fun in 2025\\.\n\n"
        "* one\\-on\\-one\n* C\\# and C\\+\\+"
    )
    assert (
        clean(raw)
        == "OVERVIEW\n\nWe are non-traditional & fun in 2025.\n\n- one-on-one\n- C# and C++"
    )


def test_invisible_characters_and_nbsp_are_normalized() -> None:
    assert clean("a\u00a0\u00a0b\u200b c\ufeff\t\td") == "a b c d"


def test_paragraph_breaks_are_kept_but_collapsed() -> None:
    assert clean("<p>one</p>\n\n\n<p>two</p><br><br><br>three") == "one\n\ntwo\n\nthree"


def test_script_style_and_comments_are_dropped() -> None:
    assert clean("<style>p{color:red}</style><!-- x --><p>Hi</p><script>alert(1)</script>") == "Hi"


def test_none_and_empty_give_empty_string() -> None:
    assert clean(None) == ""
    assert clean("   \n ") == ""


def test_plain_text_with_angle_brackets_in_words_survives() -> None:
    assert clean("salary > 100k and 3 < 5") == "salary > 100k and 3 < 5"


def test_text_hash_is_stable_32_hex_and_sensitive_to_content() -> None:
    h = text_hash("hello")
    assert h == text_hash("hello") and len(h) == 32
    assert int(h, 16) >= 0
    assert h != text_hash("hello!")


_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<li>",
        "</li>",
        "<br>",
        "&amp;",
        "&lt;b&gt;",
        "&nbsp;",
        "**",
        "\\-",
        "\\&",
        "* ",
        "\n",
        "  ",
        "\u00a0",
        "\u200b",
        "word",
        "C++",
        "$120k",
        ".",
        "# ",
    ]
)


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_clean_is_idempotent(raw: str) -> None:
    once = clean(raw)
    assert clean(once) == once


def test_list_items_wrapping_paragraphs_keep_the_bullet_on_the_item_line() -> None:
    """Lever/Ashby/Recruitee write <li><p>...</p></li>: the bullet must not stand alone."""
    raw = "<ul><li>\n<p>Build services</p>\n</li><li><p>Own <b>deploys</b></p></li></ul>"
    lines = [line for line in clean(raw).split("\n") if line]
    assert lines == ["- Build services", "- Own deploys"]


def test_a_tag_cut_off_at_the_end_of_a_trimmed_payload_is_dropped() -> None:
    assert clean('<p>Join us.</p><p class="intro" style="padding-bottom: 3') == "Join us."
    assert clean("<p>Join us.</p><li ...[trimmed]") == "Join us."
    assert clean('<p class="x" style="color: #000') == ""
    assert clean("if a<b and c") == "if a<b and c"  # plain text is not a cut tag
