"""The ASGI application: routes, limits, the process pool and the OpenAPI document.

The web process only routes, checks arguments and limits, and parses multipart forms; every assessment
runs in :func:`hkvatax.server.work.run_job` in a pool of worker processes (``workers``), so requests run
in parallel on as many cores. A JSON body is the scenario itself; a CSV upload is a multipart form with
the ledger and its profile. Every error answer is a :class:`~hkvatax.server.schemas.ProblemList`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import ArgumentError
from ..periods import YearOfAssessment, parse_year_range
from . import schemas
from .work import Job, Spooled, problem_body, run_job, upload_name

__all__ = ["ServerSettings", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = "application/json"
_STREAM_CHUNK = 1 << 16


@dataclass(frozen=True)
class ServerSettings:
    """The service's limits. ``workers=0`` runs the work in threads of the web process (tests, embedding in
    an app that has its own process model); the time limit is then only the answer's, not the work's."""

    workers: int = 1
    max_body_bytes: int = 64 * 1024 * 1024
    timeout_seconds: float = 60.0

    @classmethod
    def from_env(cls, **overrides: Any) -> ServerSettings:
        """Defaults, then ``HKVATAX_WORKERS``, ``HKVATAX_MAX_BODY_BYTES``, ``HKVATAX_TIMEOUT``, then ``overrides``.
        A variable that is not a number is an :class:`~hkvatax.errors.ArgumentError` naming it."""
        base = cls()
        found = cls(workers=_env_number("HKVATAX_WORKERS", int, base.workers),
                    max_body_bytes=_env_number("HKVATAX_MAX_BODY_BYTES", int, base.max_body_bytes),
                    timeout_seconds=_env_number("HKVATAX_TIMEOUT", float, base.timeout_seconds))
        return replace(found, **{k: v for k, v in overrides.items() if v is not None})

    def __post_init__(self) -> None:
        """Every bad value is an :class:`~hkvatax.errors.ArgumentError` (``invalid_argument``, naming the
        setting; also a ``ValueError``)."""
        def whole(value: object, least: int) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and value >= least

        checks = (("workers", whole(self.workers, 0), "a whole number, 0 or more"),
                  ("max_body_bytes", whole(self.max_body_bytes, 1), "a whole number of bytes, at least 1"),
                  ("timeout_seconds", isinstance(self.timeout_seconds, int | float)
                   and not isinstance(self.timeout_seconds, bool) and 0 < self.timeout_seconds < float("inf"),
                   "a number of seconds above 0"))
        for name, ok, what in checks:
            if not ok:
                raise ArgumentError(name, f"{getattr(self, name)!r} is not a valid {name}", what)


def _env_number(name: str, kind: type[int] | type[float], default: int | float) -> Any:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ArgumentError(name, f"{text!r} is not a number", f"unset {name} or give a number") from None


# ------------------------------------------------------------------------------------------ errors
def _problems(status: int, title: str, problems: list[dict[str, Any]]) -> Response:
    return Response(problem_body(status, title, problems), status_code=status, media_type=JSON)


def _one(code: str, message: str, column: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "file": None, "row": None, "path": None, "column": column,
            "suggestion": None}


def _argument_error(message: str, column: str) -> Response:
    return _problems(400, "Invalid argument", [_one("invalid_argument", message, column)])


# ------------------------------------------------------------------------------------------ limits
class _BodyLimit:
    """Refuses (413) a request body over ``limit`` bytes, by its Content-Length or while it arrives."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limit: int):
        self.app, self.limit = app, limit

    async def _refuse(self, send: Send) -> None:
        body = problem_body(413, "Too large", [_one("too_large", f"the request is larger than the service's "
                                                                 f"limit of {self.limit} bytes")])
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        total, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            piece = message.get("body", b"")
            total += len(piece)
            if total > self.limit:
                await self._refuse(send)
                return
            chunks.append(piece)
            more = bool(message.get("more_body", False))
        data = b"".join(chunks)
        given = False

        async def replay() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ------------------------------------------------------------------------------------------ the pool
class _Pool:
    """Worker processes, started on first use (so that importing or mounting the app starts nothing)."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _get(self) -> Executor | None:
        if self.settings.workers == 0:
            return None
        with self._lock:
            if self._executor is None:
                method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
                context = multiprocessing.get_context(method)
                self._executor = ProcessPoolExecutor(max_workers=self.settings.workers, mp_context=context)
            return self._executor

    async def run(self, job: Job) -> tuple[int, bytes | Spooled]:
        loop = asyncio.get_running_loop()
        limit = self.settings.timeout_seconds
        executor = self._get()
        job = replace(job, time_limit=limit if executor is not None else 0.0)
        try:
            # the worker stops itself at the limit; the margin covers a pool busy with other requests' work
            return await asyncio.wait_for(loop.run_in_executor(executor, run_job, job), limit * 2 + 5)
        except TimeoutError:
            return 503, problem_body(503, "Time limit", [_one("time_limit", f"no answer within the service's "
                                                                            f"limit of {limit:g} s")])
        except BrokenProcessPool:
            self.close()
            return 503, problem_body(503, "Worker lost", [_one("time_limit", "a worker process ended while "
                                                                             "working; try again")])

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


def _remove(path: str) -> None:
    """Delete a spooled answer (after it was sent, or when the client went away)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# ------------------------------------------------------------------------------------------ arguments
def _check_years(years: str | None, extension_first_year: str) -> Response | None:
    if years is not None:
        try:
            parse_year_range(years.strip())
        except ValueError as exc:
            return _argument_error(str(exc), "years")
    try:
        YearOfAssessment.parse(extension_first_year)
    except ValueError as exc:
        return _argument_error(str(exc), "extension_first_year")
    return None


Regime = Literal["baseline", "va_extension"]
Detail = Literal["summary", "per_asset", "full"]
_YEARS = Query(None, description="a year of assessment (2025/26) or a range (2023/24..2025/26); default: "
                                 "every year with activity")
_EXT = Query("2025/26", description="first year the proposed extension applies to (an assumption)")
_REGIME = Query("baseline", description="baseline (law in force) or va_extension (the proposed extension)")
_DETAIL = Query("summary", description="summary, per_asset, or full (every disposal and lot; streamed)")

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ProblemList, "description": text} for code, text in (
        (400, "An argument is not valid"), (413, "The request is over the size limit"),
        (415, "Not a multipart form"), (422, "The input has problems (all are listed)"),
        (503, "Over the time limit"))}


def _scenario_body(summary: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": summary, "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/Scenario"}}}}}


_UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["ledger", "profile"],
    "properties": {
        "ledger": {"type": "string", "format": "binary",
                   "description": "the generic CSV ledger (docs/formats.md); its file name is used in errors"},
        "profile": {"type": "string", "format": "binary",
                    "description": "the profile, JSON (or TOML if its name ends in .toml): taxpayer, assets, "
                                   "inline rates, settings, default_timezone; no rates_file"}}}}}}}


# ------------------------------------------------------------------------------------------ the app
def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The hkvatax service as an ASGI app (mount it in your own FastAPI app, or run ``hkvatax serve``)."""
    settings = settings or ServerSettings.from_env()
    pool = _Pool(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(title="hkvatax", version=__version__, lifespan=lifespan,
                  description="Hong Kong profits tax on virtual assets, explained rule by rule. Money is decimal "
                              "strings; every error is a problem list (docs/server.md).")
    app.state.pool = pool
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def bad_arguments(request: Request, exc: RequestValidationError) -> Response:
        problems = [_one("invalid_argument", str(e.get("msg", "invalid")), str(e.get("loc", ("",))[-1]))
                    for e in exc.errors()]
        return _problems(400, "Invalid argument", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        answer = _problems(exc.status_code, str(exc.detail), [_one("invalid_argument", str(exc.detail))])
        answer.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return answer

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:  # a bug: never for bad input
        body = {"code": "invariant", "message": f"internal error ({type(exc).__name__}); please report it",
                "file": None, "row": None, "path": None, "column": None, "suggestion": None}
        return _problems(500, "Internal error", [body])

    async def answer(job: Job, stream: bool = False) -> Response:
        status, body = await pool.run(job)
        if isinstance(body, Spooled):  # written by the worker as a stream: sent from the file, then deleted
            path = body.path

            async def from_file() -> AsyncIterator[bytes]:
                try:
                    with open(path, "rb") as fh:
                        while piece := fh.read(_STREAM_CHUNK):
                            yield piece
                finally:
                    _remove(path)
            return StreamingResponse(from_file(), status_code=status, media_type=JSON,
                                     background=BackgroundTask(_remove, path))
        if status == 200 and stream:
            whole = body

            async def chunks() -> AsyncIterator[bytes]:
                for start in range(0, len(whole), _STREAM_CHUNK):
                    yield whole[start:start + _STREAM_CHUNK]
            return StreamingResponse(chunks(), media_type=JSON)
        return Response(body, status_code=status, media_type=JSON)

    async def json_job(request: Request, operation: str, years: str | None, extension_first_year: str,
                       **more: Any) -> Response:
        refused = _check_years(years, extension_first_year)
        if refused is not None:
            return refused
        job = Job(operation, await request.body(), years=years, extension_first_year=extension_first_year, **more)
        return await answer(job, stream=more.get("detail") == "full")

    async def upload_job(request: Request, operation: str, years: str | None, extension_first_year: str,
                         **more: Any) -> Response:
        refused = _check_years(years, extension_first_year)
        if refused is not None:
            return refused
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            return _problems(415, "Unsupported media type", [_one(
                "unsupported_media", "send a multipart/form-data form with the parts 'ledger' and 'profile'")])
        try:
            form = await request.form(max_files=2, max_fields=2)
        except Exception as exc:  # the multipart parser's refusals (malformed form, too many parts)
            return _problems(422, "Invalid input", [_one("bad_file", f"not a readable multipart form: {exc}")])
        parts: dict[str, tuple[bytes, str]] = {}
        missing = []
        for name, default in (("ledger", "ledger.csv"), ("profile", "profile.json")):
            part = form.get(name)
            if isinstance(part, UploadFile):
                parts[name] = (await part.read(), upload_name(part.filename, default))
            elif isinstance(part, str):
                parts[name] = (part.encode(), default)
            else:
                missing.append(_one("missing_field", f"the form has no part {name!r}", name))
        await form.close()
        if missing:
            return _problems(422, "Invalid input", missing)
        (ledger, ledger_name), (profile, profile_name) = parts["ledger"], parts["profile"]
        job = Job(operation, ledger, years=years, extension_first_year=extension_first_year, ledger_name=ledger_name,
                  profile=profile, profile_name=profile_name, **more)
        return await answer(job, stream=more.get("detail") == "full")

    @app.post("/assess", tags=["scenario"], response_model=schemas.AssessmentDocument,
              responses={**_ERRORS}, openapi_extra=_scenario_body("a scenario (docs/formats.md)"),
              summary="Assess a scenario: headline figures of each year, with their assumptions")
    async def assess(request: Request, years: str | None = _YEARS, regime: Regime = _REGIME,
                     extension_first_year: str = _EXT) -> Response:
        return await json_job(request, "assess", years, extension_first_year, regime=regime)

    @app.post("/compare", tags=["scenario"], response_model=schemas.ComparisonDocument, responses={**_ERRORS},
              openapi_extra=_scenario_body("a scenario"),
              summary="Compare the law in force with the proposed extension, figure by figure")
    async def compare(request: Request, years: str | None = _YEARS, extension_first_year: str = _EXT) -> Response:
        return await json_job(request, "compare", years, extension_first_year)

    @app.post("/disposals", tags=["scenario"], response_model=schemas.DisposalsDocument, responses={**_ERRORS},
              openapi_extra=_scenario_body("a scenario"),
              summary="Every disposal with its HKD proceeds, cost, gain and matched lots")
    async def disposals(request: Request) -> Response:
        return await json_job(request, "disposals", None, "2025/26")

    @app.post("/explain", tags=["scenario"], response_model=schemas.ExplanationDocument, responses={**_ERRORS},
              openapi_extra=_scenario_body("a scenario"),
              summary="The explanation: every figure with its rule, citations, inputs and assumptions")
    async def explain(request: Request, years: str | None = _YEARS, regime: Regime = _REGIME,
                      extension_first_year: str = _EXT, detail: Detail = _DETAIL) -> Response:
        return await json_job(request, "explain", years, extension_first_year, regime=regime, detail=detail)

    @app.post("/csv/assess", tags=["csv upload"], response_model=schemas.AssessmentDocument, responses={**_ERRORS},
              openapi_extra=_UPLOAD, summary="Assess an uploaded CSV ledger with its profile (read as a stream)")
    async def csv_assess(request: Request, years: str | None = _YEARS, regime: Regime = _REGIME,
                         extension_first_year: str = _EXT) -> Response:
        return await upload_job(request, "assess", years, extension_first_year, regime=regime)

    @app.post("/csv/compare", tags=["csv upload"], response_model=schemas.ComparisonDocument, responses={**_ERRORS},
              openapi_extra=_UPLOAD, summary="Compare the regimes for an uploaded CSV ledger")
    async def csv_compare(request: Request, years: str | None = _YEARS, extension_first_year: str = _EXT) -> Response:
        return await upload_job(request, "compare", years, extension_first_year)

    @app.post("/csv/disposals", tags=["csv upload"], response_model=schemas.DisposalsDocument,
              responses={**_ERRORS}, openapi_extra=_UPLOAD, summary="Every disposal of an uploaded CSV ledger")
    async def csv_disposals(request: Request) -> Response:
        return await upload_job(request, "disposals", None, "2025/26")

    @app.post("/csv/explain", tags=["csv upload"], response_model=schemas.ExplanationDocument,
              responses={**_ERRORS}, openapi_extra=_UPLOAD, summary="The explanation of an uploaded CSV ledger")
    async def csv_explain(request: Request, years: str | None = _YEARS, regime: Regime = _REGIME,
                          extension_first_year: str = _EXT, detail: Detail = _DETAIL) -> Response:
        return await upload_job(request, "explain", years, extension_first_year, regime=regime, detail=detail)

    @app.get("/schema", tags=["reference"], response_model=schemas.SchemaDocument,
             summary="JSON Schemas of the inputs (scenario, profile) and of every answer")
    async def schema() -> dict[str, Any]:
        return _schema_document()

    @app.get("/rules", tags=["reference"], response_model=schemas.RulesDocument,
             summary="The rules catalogue: id, title, citations, years, status")
    async def rules() -> dict[str, Any]:
        return _rules_document()

    @app.get("/health", tags=["reference"], response_model=schemas.Health, summary="Liveness")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "workers": settings.workers}

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(_BodyLimit, limit=settings.max_body_bytes)
    return app


# ------------------------------------------------------------------------------------------ documents
def _scenario_schema() -> dict[str, Any]:
    from ..models import Scenario
    from ..schemas import without_examples

    schema: dict[str, Any] = without_examples(Scenario.model_json_schema())
    return schema


def _profile_schema() -> dict[str, Any]:
    """A profile: a scenario without events, with an optional default time zone (docs/formats.md)."""
    schema = _scenario_schema()
    props = dict(schema.get("properties", {}))
    props.pop("events", None)
    props["default_timezone"] = {"type": "string", "description": "zone for timestamps without one"}
    return {**schema, "title": "Profile", "properties": props,
            "required": [r for r in schema.get("required", []) if r != "events"]}


def _schema_document() -> dict[str, Any]:
    from ..io import CSV_COLUMNS

    return {"inputs": {"scenario": _scenario_schema(), "profile": _profile_schema(),
                       "csv_columns": list(CSV_COLUMNS)},
            "outputs": {name: model.model_json_schema(by_alias=True)
                        for name, model in schemas.OUTPUT_MODELS.items()}}


def _rules_document() -> dict[str, Any]:
    from ..rules.catalogue import load_all_rules

    return {"rules": [{"id": r.id, "title": r.title, "citations": [str(c) for c in r.citations],
                       "years": str(r.validity), "status": r.status, "law": r.law}
                      for r in load_all_rules().values()]}


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        from ..models import Scenario
        from ..schemas import without_examples

        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        found = without_examples(Scenario.model_json_schema(ref_template="#/components/schemas/{model}"))
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, sub in found.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components["Scenario"] = found
        app.openapi_schema = doc
    return app.openapi_schema
