"""Dated parameter tables: loading, validation messages, look-ups and overrides."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from hkvatax.errors import DataTableGapError
from hkvatax.periods import YearOfAssessment as Y
from hkvatax.rules.params import ParamStore, ParamValue, default_params

GOOD = """
[[a.b.rate]]
from = "2018/19"
to = "2019/20"
value = "0.1"
citation = "c1"
status = "enacted"
source = "https://x"

[[a.b.rate]]
from = "2020/21"
value = "0.2"
citation = "c2"
status = "proposed"

[[a.cap]]
from = "2018/19"
to = "2018/19"
value = "100"
citation = "c3"
status = "assumption"
"""


def pv(frm: int, to: int | None, value: str = "1", path: str = "p") -> ParamValue:
    return ParamValue(path, D(value), Y(frm), None if to is None else Y(to), "c", "enacted", None)


def test_a_table_loads_and_each_year_looks_up_its_value():
    store = ParamStore.from_toml_texts({"x.toml": GOOD})
    assert store.paths() == ["a.b.rate", "a.cap"]
    first = store.at("a.b.rate", Y(2019))
    assert first == ParamValue("a.b.rate", D("0.1"), Y(2018), Y(2019), "c1", "enacted", "https://x")
    assert store.at("a.b.rate", Y(2018)).value == D("0.1")
    assert store.at("a.b.rate", Y(2020)).value == D("0.2") and store.at("a.b.rate", Y(2050)).status == "proposed"
    assert store.at("a.b.rate", Y(2020)).source is None and store.at("a.b.rate", Y(2020)).valid_to is None
    assert store.has("a.cap", Y(2018)) and not store.has("a.cap", Y(2019)) and not store.has("zz", Y(2018))
    assert [e.valid_from for e in store.entries("a.b.rate")] == [Y(2018), Y(2020)]
    with pytest.raises(DataTableGapError, match=r"no parameter named 'nope'"):
        store.at("nope", Y(2020))
    with pytest.raises(DataTableGapError) as err:
        store.at("a.cap", Y(2019))
    assert str(err.value) == ("parameter 'a.cap' has no value for 2019/20 (it has values for 2018/19–2018/19); "
                              "hkvatax never uses another year's value")
    with pytest.raises(DataTableGapError, match=r"values for 2018/19–2019/20, 2020/21–onward\)"):
        store.at("a.b.rate", Y(2017))


def test_covers_is_inclusive_at_both_ends():
    v = pv(2018, 2020)
    assert [v.covers(Y(y)) for y in (2017, 2018, 2019, 2020, 2021)] == [False, True, True, True, False]
    assert pv(2018, None).covers(Y(2200)) and not pv(2018, None).covers(Y(2017))


def test_overlapping_entries_are_refused_and_sorted_otherwise():
    with pytest.raises(ValueError, match="parameter p: entries from 2018/19 and 2020/21 overlap"):
        ParamStore({"p": [pv(2020, None), pv(2018, 2020)]})
    with pytest.raises(ValueError, match="overlap"):
        ParamStore({"p": [pv(2018, None), pv(2020, None)]})
    store = ParamStore({"p": [pv(2020, None, "2"), pv(2018, 2019, "1")]})
    assert [e.value for e in store.entries("p")] == [D("1"), D("2")]


@pytest.mark.parametrize("text,message", [
    ('[[p]]\nvalue = "1"\ncitation = "c"\nstatus = "enacted"', "f.toml: p: entry lacks from"),
    ('[[p]]\nfrom = "2018/19"\nstatus = "enacted"', "f.toml: p: entry lacks value, citation"),
    ('[[p]]\nfrom = "2018/19"\nvalue = "1"\ncitation = "c"\nstatus = "law"', "f.toml: p: unknown status 'law'"),
    ('[[p]]\nfrom = "2018/19"\nvalue = 1\ncitation = "c"\nstatus = "enacted"',
     "f.toml: p: value must be a string (exact decimal), got 1"),
    ('[[p]]\nfrom = "2018/19"\nvalue = "x"\ncitation = "c"\nstatus = "enacted"', "f.toml: p: 'x' is not a number"),
    ('p = 1', "parameter file: p must be a table or a list of dated entries"),
])
def test_bad_tables_are_refused_with_the_place(text, message):
    with pytest.raises(ValueError) as err:
        ParamStore.from_toml_texts({"f.toml": text})
    assert str(err.value) == message


def test_a_parameter_in_two_files_is_refused():
    text = '[[p]]\nfrom = "2018/19"\nvalue = "1"\ncitation = "c"\nstatus = "enacted"'
    with pytest.raises(ValueError, match="parameter p defined in two files"):
        ParamStore.from_toml_texts({"a.toml": text, "b.toml": text})


def test_with_override_replaces_only_the_years_it_covers():
    store = ParamStore({"p": [pv(2018, 2019, "1"), pv(2020, 2021, "2"), pv(2022, None, "3")]})

    def spans(s: ParamStore) -> list[tuple[Y, Y | None, D]]:
        return [(e.valid_from, e.valid_to, e.value) for e in s.entries("p")]

    inside = store.with_override("p", pv(2020, 2020, "9"))
    assert spans(inside) == [(Y(2018), Y(2019), D("1")), (Y(2020), Y(2020), D("9")), (Y(2021), Y(2021), D("2")),
                             (Y(2022), None, D("3"))]
    assert [e.value for e in store.entries("p")] == [D("1"), D("2"), D("3")]  # the original is unchanged
    open_ended = store.with_override("p", pv(2021, None, "7"))
    assert spans(open_ended) == [(Y(2018), Y(2019), D("1")), (Y(2020), Y(2020), D("2")), (Y(2021), None, D("7"))]
    touching = store.with_override("p", pv(2019, 2019, "5"))
    assert spans(touching) == [(Y(2018), Y(2018), D("1")), (Y(2019), Y(2019), D("5")), (Y(2020), Y(2021), D("2")),
                               (Y(2022), None, D("3"))]
    middle = store.with_override("p", pv(2030, 2031, "8"))  # cuts the open-ended entry in two
    assert spans(middle)[-3:] == [(Y(2022), Y(2029), D("3")), (Y(2030), Y(2031), D("8")), (Y(2032), None, D("3"))]
    fresh = store.with_override("q", pv(2018, None, "4", "q"))
    assert fresh.at("q", Y(2030)).value == D("4")
    assert inside.horizon == store.horizon == Y(2022)  # an override never moves the horizon


def test_default_params_are_loaded_once():
    assert default_params() is default_params()
    assert default_params().at("profits_tax.corporation.lower_rate", Y(2024)).value == D("0.0825")
