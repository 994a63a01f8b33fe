"""The working pages: try a topic query, run SQL (with downloads), read the digest archive."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from mediawatch.config import TopicConfig
from mediawatch.errors import MediawatchError, TransientError
from mediawatch.output import to_csv
from pipeline.query import QueryError, compile_query
from warehouse.query import QueryResult, run_user_sql
from web.highlight import segments, word_matchers
from web.search import search as run_search
from web.site import site_of

SEARCH_LIMIT = 25
SEARCH_FURTHER_S = 5.0  # "search further": longer, but still short enough not to stall a crawl
_DAY_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
_DIGEST_FILE = re.compile(r"[\w.-]+\.(html|png|txt|md|eml)")
_MEDIA = {
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "eml": "message/rfc822",
}


def search(request: Request) -> Response:
    site = site_of(request)
    q = request.query_params.get("q", "").strip()
    name = request.query_params.get("name", "").strip() or "new-topic"
    further = request.query_params.get("further") == "1"
    context: dict[str, object] = {"q": q, "name": name, "further": further, "error": None}
    context.update(entry=None, rematch=None, name_error=None)
    if not q:
        return site.render(request, "search.html", context)
    try:
        compiled = compile_query(q)
    except QueryError as exc:
        context["error"] = str(exc)
        context["caret"] = " " * (max(exc.column, 1) - 1) + "^"
        return site.render(request, "search.html", context, status=400)
    budget = SEARCH_FURTHER_S if further else site.options.search_budget_s
    with site.read() as con:
        result = run_search(con, compiled, limit=SEARCH_LIMIT, budget_s=budget)
    matchers = word_matchers(compiled)
    context["result"] = result
    context["rows"] = [
        (hit, segments(hit.doc.title, matchers), segments(hit.snippet or "", matchers))
        for hit in result.hits
    ]
    try:
        entry = TopicConfig(name=name, query=q)
        fields = entry.model_dump(exclude_defaults=True)
        context["entry"] = "[[topics]]\n" + tomli_w.dumps(fields)
        context["rematch"] = f"mediawatch topics rematch {shlex.quote(entry.name)}"
    except ValidationError as exc:
        context["name_error"] = "; ".join(e["msg"] for e in exc.errors())
    return site.render(request, "search.html", context)


def _run(request: Request) -> tuple[str, QueryResult | None, str | None]:
    site = site_of(request)
    q = request.query_params.get("q", "").strip()
    if not q:
        return q, None, None
    try:
        return q, run_user_sql(site.config.warehouse_path, q, site.options.busy_timeout_s), None
    except TransientError:
        raise
    except MediawatchError as exc:
        return q, None, str(exc) + (f" ({exc.hint})" if exc.hint else "")


def sql(request: Request) -> Response:
    site = site_of(request)
    q, result, error = _run(request)
    shown = site.options.sql_rows_shown
    return site.render(
        request,
        "sql.html",
        {"q": q, "result": result, "error": error, "shown": shown},
        status=400 if error else 200,
    )


def sql_csv(request: Request) -> Response:
    q, result, error = _run(request)
    if result is None:
        raise HTTPException(400, error or "no query: add ?q=SELECT ...")
    return Response(
        to_csv(result.columns, result.rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="mediawatch.csv"'},
    )


def _arrow(result: QueryResult) -> pa.Table:
    """Columns typed by pyarrow; a column it cannot type becomes text rather than failing."""
    arrays = []
    for i, _name in enumerate(result.columns):
        values = [row[i] for row in result.rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    names = [c or f"column{i}" for i, c in enumerate(result.columns)]
    return pa.table(arrays, names=names)


def sql_parquet(request: Request) -> Response:
    q, result, error = _run(request)
    if result is None:
        raise HTTPException(400, error or "no query: add ?q=SELECT ...")
    buf = io.BytesIO()
    pq.write_table(_arrow(result), buf, compression="zstd")
    return Response(
        buf.getvalue(),
        media_type="application/vnd.apache.parquet",
        headers={"content-disposition": 'attachment; filename="mediawatch.parquet"'},
    )


def _archive(root: Path, limit_days: int = 120) -> list[tuple[str, str, list[str]]]:
    """(day, digest name, formats) for the newest ``limit_days`` folders of the archive."""
    if not root.is_dir():
        return []
    days = sorted((p for p in root.iterdir() if p.is_dir() and _DAY_DIR.fullmatch(p.name)),
                  reverse=True)[:limit_days]  # fmt: skip
    out = []
    for folder in days:
        stems: dict[str, list[str]] = {}
        for f in sorted(folder.iterdir()):
            if f.is_file() and _DIGEST_FILE.fullmatch(f.name):
                stems.setdefault(f.stem, []).append(f.suffix[1:])
        out += [(folder.name, stem, exts) for stem, exts in sorted(stems.items())]
    return out


def digests(request: Request) -> Response:
    site = site_of(request)
    root = site.config.digest_dir
    return site.render(request, "digests.html", {"items": _archive(root), "root": root})


def digest_file(request: Request) -> Response:
    site = site_of(request)
    day, name = request.path_params["day"], request.path_params["file"]
    found = _DIGEST_FILE.fullmatch(name)
    if not _DAY_DIR.fullmatch(day) or not found:
        raise HTTPException(404, "no such digest")
    folder = (site.config.digest_dir / day).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HTTPException(404, "no such digest")
    ext = found.group(1)
    headers = {"content-disposition": f'attachment; filename="{name}"'} if ext == "eml" else None
    return FileResponse(path, media_type=_MEDIA[ext], headers=headers)
