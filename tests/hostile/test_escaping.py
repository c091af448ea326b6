"""Issue 11, output policy: one escaping module (hkvatax.escape) per format; user strings cannot inject
terminal escapes, Markdown/HTML markup or spreadsheet formulas, and ordinary names stay readable."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hkvatax.escape import CONTROL, escape_csv, escape_lines, escape_markdown, escape_text
from hkvatax.io.safe_csv import write_csv

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = ["<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "![x](javascript:alert(1))",
           "# New heading", "a | b |\n|---|\n| c", "\x1b]0;pwned\x07", "\x1b[2J", "evil\rgood", "<script>x</script>",
           "<javascript:alert(1)>", "- item", "> quote", "1. one", "**bold**", "`code`", "&lt;b&gt;", "x\u202etxt.exe"]


@pytest.mark.parametrize("name", ["Mr Wong (trader)", "Chan Tai Man", "ACME Ltd.", "O'Brien", "a_b", "AT&T",
                                  "Fund #3", "50% owner", "x.y@example.com"])
def test_ordinary_names_are_kept_as_written(name: str) -> None:
    assert escape_markdown(name) == name
    assert escape_text(name) == name


def _md() -> Any:
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])


def test_a_heading_with_a_name_renders_as_the_name() -> None:
    html = _md().render("# " + escape_markdown("Mr Wong (trader)") + "\n")
    assert html == "<h1>Mr Wong (trader)</h1>\n"


def _rendered_markup(text: str) -> set[str]:
    html = _md().render(f"| a | b |\n|---|---|\n| {text} | x |\n\n- {text}\n\n# {text}\n")
    return set(re.findall(r"<([a-z0-9]+)", html))


_CLEAN = {"table", "thead", "tr", "th", "tbody", "td", "ul", "li", "h1"}


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_produce_no_markup(text: str) -> None:
    assert _rendered_markup(escape_markdown(text)) <= _CLEAN


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>[]()!#|*_`~&;:-+=.1 \\\n\r\x1baz")), max_size=30))
def test_escaped_markdown_never_renders_markup_or_cells(text: str) -> None:
    escaped = escape_markdown(text)
    assert _rendered_markup(escaped) <= _CLEAN
    html = _md().render(f"| a | b |\n|---|---|\n| {escaped} | x |\n")
    assert html.count("<td") == 2


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_escaped_text_has_no_control_characters_and_is_injective_on_printables(text: str) -> None:
    out = escape_text(text)
    assert not CONTROL.search(out)
    if not CONTROL.search(text):
        assert out == text
    assert "\n" not in escape_csv(text) and "\r" not in escape_csv(text)
    lines = escape_lines(text)
    assert not CONTROL.search(lines.replace("\n", ""))


def test_csv_output_escapes_control_characters_and_formulas() -> None:
    out = io.StringIO()
    write_csv(out, ["name"], [["=HYPERLINK(\"x\")"], ["a\x1b[31mred"], ["-12.50"]])
    assert out.getvalue() == "name\n\"'=HYPERLINK(\"\"x\"\")\"\na\\x1b[31mred\n-12.50\n"


def _hostile_fund(bad: str) -> Any:
    import json

    import hkvatax
    from hkvatax.examples import example_path
    from hkvatax.io import scenario_from_dict

    data = json.loads(example_path("private_fund").read_text(encoding="utf-8"))
    data["taxpayer"]["name"] = bad + " fund"
    data["taxpayer"]["fund"]["resident_investors"][0]["name"] = bad + " investor"
    for i, event in enumerate(data["events"]):
        event["id"] = f"{CONTROL.sub('', bad)} {i}"  # (ids refuse control characters: control_character)
        event["note"] = bad
    return hkvatax.assess(scenario_from_dict(data)).explain(detail="full")


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_names_in_a_full_explanation_render_no_markup_and_no_control(bad: str) -> None:
    clean = _hostile_fund("Plain")
    hostile = _hostile_fund(bad)
    tags = set(re.findall(r"<([a-z0-9]+)", _md().render(clean.to_markdown())))
    got = set(re.findall(r"<([a-z0-9]+)", _md().render(hostile.to_markdown())))
    assert got <= tags
    for text in (hostile.to_markdown(), hostile.to_text()):
        assert not CONTROL.search(text.replace("\n", ""))


def test_a_hostile_name_in_markdown_keeps_its_text() -> None:
    md = _hostile_fund("<img src=x onerror=alert(1)>").to_markdown()
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt; fund" in md.splitlines()[0]


@pytest.mark.parametrize("bad", ["\x1b[2J# x", "<img src=x onerror=alert(1)>"])
def test_comparison_and_disposal_table_escape_names_and_ids(bad: str) -> None:
    import json

    import hkvatax
    from hkvatax.examples import example_path
    from hkvatax.io import scenario_from_dict
    from hkvatax.ledger import match_scenario
    from hkvatax.render.disposals import disposals_table

    data = json.loads(example_path("individual_trader").read_text(encoding="utf-8"))
    data["taxpayer"]["name"] = bad
    for i, event in enumerate(data["events"]):
        event["id"] = f"{CONTROL.sub('', bad)}{i}"  # (ids refuse control characters: control_character)
    scenario = scenario_from_dict(data)
    result = hkvatax.compare(scenario)
    for text in (result.to_text(), result.to_markdown(), disposals_table(match_scenario(scenario))):
        assert not CONTROL.search(text.replace("\n", ""))
    assert "<img" not in result.to_markdown()
    assert not result.to_markdown().startswith("# <") and "\n# x" not in result.to_markdown()


def test_error_messages_show_control_characters_as_escapes() -> None:
    from hkvatax.errors import HkvataxError, InputError, LedgerError, Problem
    from hkvatax.io import scenario_from_dict

    data = {"taxpayer": {"kind": "individual", "name": "A"}, "assets": [{"symbol": "BTC"}],
            "events": [{"kind": "disposal", "id": "\x1b]0;pwned\x07", "timestamp": "2025-05-01T10:00:00+08:00",
                        "asset": "BTC", "quantity": "1", "proceeds": "-1"}]}
    with pytest.raises(InputError) as caught:
        scenario_from_dict(data)
    assert not CONTROL.search(str(caught.value).replace("\n", ""))
    err: HkvataxError = LedgerError(Problem("oversell", "sold \x1b[2J more than held"))
    assert "\x1b" not in str(err) and "\\x1b[2J" in str(err)
