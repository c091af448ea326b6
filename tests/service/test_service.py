"""The service answers exactly what the library computes, and refuses bad requests with problem lists."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

import hkvatax
from hkvatax import assess_csv, compare_csv, match_scenario
from hkvatax.examples import example_path
from hkvatax.io import load_csv_ledger, load_scenario
from hkvatax.money import fmt_exact
from hkvatax.render.disposals import ledger_to_dict
from hkvatax.server import ServerSettings, create_app
from hkvatax.server.work import assessment_document

from .conftest import PROFILE

EXAMPLES = ("individual_investor", "individual_trader", "corporation", "family_office", "private_fund")


@pytest.fixture(scope="module")
def client() -> TestClient:
    """Two worker processes, as served: the work really crosses a process boundary."""
    with TestClient(create_app(ServerSettings(workers=2, max_body_bytes=2_000_000, timeout_seconds=60))) as c:
        yield c


def _library(body: bytes) -> object:
    return load_scenario("<request>", content=body)


@pytest.mark.parametrize("name", EXAMPLES)
def test_http_answers_equal_the_library_for_every_example(client: TestClient, name: str) -> None:
    body = example_path(name).read_bytes()
    scenario = _library(body)
    for regime in ("baseline", "va_extension"):
        got = client.post(f"/assess?regime={regime}", content=body)
        assert got.status_code == 200
        assert got.json() == json.loads(json.dumps(assessment_document(hkvatax.assess(scenario, regime=regime))))
    got = client.post("/explain?detail=full&regime=va_extension", content=body)
    assert got.json() == hkvatax.assess(scenario, regime="va_extension").explain(detail="full").to_dict()
    assert client.post("/compare", content=body).json() == hkvatax.compare(scenario).to_dict()
    assert client.post("/disposals", content=body).json() == json.loads(
        json.dumps(ledger_to_dict(match_scenario(scenario))))


def _files(ledger: str, profile: str, name: str = "mine.csv") -> dict[str, tuple[str, str]]:
    return {"ledger": (name, ledger), "profile": ("profile.json", profile)}


def test_csv_upload_answers_equal_the_library(client: TestClient, ledger: str, profile: str) -> None:
    got = client.post("/csv/assess?years=2020/21..2024/25", files=_files(ledger, profile))
    outcome = assess_csv(io.StringIO(ledger), PROFILE, "2020/21..2024/25", file="mine.csv")
    assert outcome.aggregates is not None and outcome.aggregates.path == "core"  # the one core, read as a stream
    assert got.status_code == 200 and got.json() == json.loads(json.dumps(assessment_document(outcome)))
    got = client.post("/csv/compare", files=_files(ledger, profile))
    assert got.json() == compare_csv(io.StringIO(ledger), PROFILE, file="mine.csv").to_dict()
    got = client.post("/csv/explain?detail=full", files=_files(ledger, profile))
    full = hkvatax.assess(load_csv_ledger(None, PROFILE, text=ledger, file="mine.csv")).explain(detail="full")
    assert got.json() == full.to_dict()
    assert "mine.csv" in got.text and "/tmp" not in got.text


def test_a_full_explanation_is_streamed_from_a_spool_file_with_the_librarys_bytes(client: TestClient) -> None:
    """The worker writes detail="full" as a stream to a temporary file; the answer is that file, sent and then
    deleted, byte for byte the library's compact JSON."""
    import glob
    import tempfile

    body = example_path("ledger_demo").read_bytes()
    spooled = f"{tempfile.gettempdir()}/hkvatax-explain-*.json"
    before = set(glob.glob(spooled))
    got = client.post("/explain?detail=full", content=body)
    expected = hkvatax.assess(_library(body)).explain(detail="full").to_dict()
    assert got.status_code == 200
    assert got.content == json.dumps(expected, ensure_ascii=False, sort_keys=True).encode()
    assert set(glob.glob(spooled)) <= before


def test_an_upload_error_names_the_uploads_own_file_name_never_a_server_path(client: TestClient, ledger: str,
                                                                            profile: str) -> None:
    bad = ledger.replace(",acquisition,", ",acquisiton,", 1)
    got = client.post("/csv/assess", files=_files(bad, profile, name="C:\\Users\\me\\exports/my ledger.csv"))
    assert got.status_code == 422
    problem = got.json()["problems"][0]
    assert (problem["code"], problem["file"], problem["row"], problem["column"]) == (
        "unknown_kind", "my ledger.csv", 2, "kind")


def test_a_profile_naming_a_rates_file_is_refused(client: TestClient, ledger: str) -> None:
    profile = json.dumps({**PROFILE, "rates_file": "/etc/passwd"})
    got = client.post("/csv/assess", files=_files(ledger, profile))
    assert got.status_code == 422
    assert [(p["code"], p["column"]) for p in got.json()["problems"]] == [("unknown_field", "rates_file")]


@pytest.mark.parametrize("query, column", [("regime=foo", "regime"), ("years=2025/99", "years"),
                                           ("detail=everything", "detail"), ("extension_first_year=x",
                                                                            "extension_first_year")])
def test_a_bad_argument_is_a_400_naming_it(client: TestClient, query: str, column: str) -> None:
    got = client.post(f"/explain?{query}", content=example_path("corporation").read_bytes())
    assert got.status_code == 400
    assert [(p["code"], p["column"]) for p in got.json()["problems"]] == [("invalid_argument", column)]


@pytest.mark.parametrize("body, code", [(b"{", "bad_file"), (b'{"taxpayer": {"kind": "corporation", "name": "x"},'
                                                             b' "assets": [{"symbol": "BTC", "x": 1.5}]}',
                                                             "unknown_field"),
                                        (b"[" * 100_000, "too_deep"), (b"\xff", "bad_file")])
def test_bad_input_is_a_422_problem_list_never_a_500(client: TestClient, body: bytes, code: str) -> None:
    got = client.post("/assess", content=body)
    assert got.status_code == 422
    assert code in [p["code"] for p in got.json()["problems"]]


def test_a_body_over_the_limit_is_a_413(ledger: str, profile: str) -> None:
    with TestClient(create_app(ServerSettings(workers=0, max_body_bytes=10_000))) as small:
        got = small.post("/csv/assess", files=_files(ledger, profile))
        assert got.status_code == 413 and got.json()["problems"][0]["code"] == "too_large"
        assert small.get("/health").status_code == 200


def test_work_over_the_time_limit_is_a_503_and_the_worker_stays_usable(profile: str) -> None:
    from .conftest import ledger_text

    big = ledger_text(40_000)
    with TestClient(create_app(ServerSettings(workers=1, timeout_seconds=0.05))) as slow:
        got = slow.post("/csv/explain?detail=full", files=_files(big, profile))
        assert got.status_code == 503 and got.json()["problems"][0]["code"] == "time_limit"
        assert slow.post("/assess", content=example_path("corporation").read_bytes()).status_code == 200


def test_schema_and_rules_describe_inputs_outputs_and_every_rule(client: TestClient) -> None:
    from hkvatax.models import Scenario
    from hkvatax.rules.catalogue import load_all_rules
    from hkvatax.schemas import without_examples

    schema = client.get("/schema").json()
    assert schema["inputs"]["scenario"] == without_examples(Scenario.model_json_schema())  # no doctests (0190)
    assert "events" not in schema["inputs"]["profile"]["properties"]
    assert set(schema["outputs"]) == {"assessment", "explanation", "comparison", "disposals", "problems"}
    assert [r["id"] for r in client.get("/rules").json()["rules"]] == list(load_all_rules())
    assert client.get("/health").json()["workers"] == 2
    paths = client.get("/openapi.json").json()["paths"]
    body = paths["/assess"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Scenario"}


@pytest.mark.parametrize("value", [0, 1, "true", "false", None])
def test_a_true_false_field_takes_only_true_or_false_as_the_library_does(client: TestClient, value: object) -> None:
    scenario = json.loads(example_path("corporation").read_bytes())
    scenario["taxpayer"]["central_management_in_hk"] = value  # a bool | None field: None stays allowed
    scenario["settings"] = {"allow_unknown_cost": 0 if value is None else value}  # a bool field
    body = json.dumps(scenario).encode()
    got = client.post("/assess", content=body)
    assert got.status_code == 422
    with pytest.raises(hkvatax.InputError) as library:
        _library(body)
    want = [{**p.to_dict(), "file": None} for p in library.value.problems]
    assert [{**p, "file": None} for p in got.json()["problems"]] == want
    paths = {p["path"] for p in want}
    assert "settings.allow_unknown_cost" in paths
    assert ("taxpayer.central_management_in_hk" in paths) == (value is not None)


def _unnormalised(data: object, path: str = "") -> list[tuple[str, str]]:
    """Numbers-as-strings in exponent form, with trailing zeros after the point, or a negative zero."""
    if isinstance(data, dict):
        return [bad for k, v in data.items() for bad in _unnormalised(v, f"{path}/{k}")]
    if isinstance(data, list):
        return [bad for i, v in enumerate(data) for bad in _unnormalised(v, f"{path}[{i}]")]
    if isinstance(data, str) and re.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", data):
        negative_zero = data.startswith("-") and Decimal(data) == 0
        if "e" in data.lower() or ("." in data and data.endswith("0")) or negative_zero:
            return [(path, data)]
    return []


@pytest.mark.parametrize("name", (*EXAMPLES, "ledger_demo"))
def test_exact_values_in_every_answer_are_normalised_exact_strings(client: TestClient, name: str) -> None:
    """Issue 12 req 1: not net_profit "3794750.0000000000000000000000000000000000000000" but "3794750"."""
    body = example_path(name).read_bytes()
    for route in ("/assess", "/assess?regime=va_extension", "/compare", "/disposals", "/explain?detail=per_asset"):
        got = client.post(route, content=body)
        assert got.status_code == 200, got.text
        assert _unnormalised(got.json()) == [], route
    record = client.post("/assess", content=body).json()["years"][0]
    figures = record if record["status"] == "determined" else record["if_capital"]
    assert figures["net_profit"] == fmt_exact(Decimal(figures["net_profit"]))
