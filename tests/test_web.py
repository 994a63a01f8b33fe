"""The web view (``mediawatch serve``) over HTTP on loopback: pages, security, busy warehouse.

Every test talks to the real application under uvicorn; the console-script tests run the
installed ``mediawatch`` in a subprocess. The browser tests are in test_web_browser.py.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest

from tests.websupport import HOSTILE_ID, HOSTILE_STORY, get, hostile_demo, web_server
from web.security import check_bind, is_loopback

MEDIAWATCH = shutil.which("mediawatch", path=str(Path(sys.executable).parent)) or "mediawatch"


@pytest.fixture(scope="module")
def demo(crawled, tmp_path_factory):
    config, _result, _log = crawled
    return hostile_demo(config, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def site(demo):
    with web_server(demo.config) as url:
        yield url


def test_index_lists_topics_with_their_matches(site, demo) -> None:
    r = get(site + "/")
    assert r.status == 200
    assert 'href="/topics/chechnya"' in r.text
    assert "articles from 7 outlets" in r.text  # the demo newsroom's outlets


def test_topic_page_chart_spikes_shares_and_day_stories(site, demo) -> None:
    r = get(site + "/topics/chechnya")
    assert r.status == 200
    assert "<svg" in r.text and 'class="daily"' in r.text
    day_links = r.text.count("&amp;day=")
    assert day_links >= 30  # one link per day of the default 30-day range (plus spikes)
    assert "Share by outlet" in r.text and "Share by language" in r.text
    # the demo newsroom plants a burst: it is marked and its drivers are named
    assert 'class="day spike' in r.text and "driven by terms" in r.text
    day = get(site + f"/topics/chechnya?day={demo.hostile_day}")
    assert day.status == 200
    assert f"Stories of {demo.hostile_day}" in day.text
    assert f'href="/stories/{HOSTILE_STORY}"' in day.text
    bad = get(site + "/topics/chechnya?from=yesterday")
    assert bad.status == 400 and "expected a date" in bad.text
    assert get(site + "/topics/no-such-topic").status == 404


def test_story_page_lists_copies_origin_and_edits(site, demo) -> None:
    from warehouse.connection import opened

    with opened(demo.config.warehouse_path, read_only=True) as con:
        [(story_id, n_outlets, origin)] = con.execute(
            "SELECT id, n_outlets, origin_outlet FROM stories ORDER BY n_outlets DESC, id LIMIT 1"
        ).fetchall()
        copies = con.execute(
            "SELECT id, outlet FROM articles WHERE story_id = ?", [story_id]
        ).fetchall()
    assert n_outlets >= 2
    r = get(site + f"/stories/{story_id}")
    assert r.status == 200
    assert f"in {n_outlets} outlets" in r.text and origin in r.text
    for article_id, _outlet in copies:
        assert f'href="/articles/{article_id}"' in r.text
    edited = get(site + f"/stories/{HOSTILE_STORY}")
    assert "retitled" in edited.text and "+3/−1 words" in edited.text
    assert get(site + "/stories/12345").status == 404
    assert get(site + "/stories/abc").status == 404


def test_article_page_shows_text_metadata_and_date_sources(site, demo) -> None:
    from warehouse.connection import opened

    with opened(demo.config.warehouse_path, read_only=True) as con:
        [(article_id, title, source)] = con.execute(
            "SELECT id, title, published_source FROM articles"
            " WHERE published_source IS NOT NULL AND id <> ? LIMIT 1",
            [HOSTILE_ID],
        ).fetchall()
    r = get(site + f"/articles/{article_id}")
    assert r.status == 200
    assert "Dates, and where each came from" in r.text
    assert f"<td>{source}" in r.text
    assert "original ↗" in r.text


def test_outlets_page_health_runs_and_failures(site, demo) -> None:
    r = get(site + "/outlets")
    assert r.status == 200
    for outlet in demo.config.outlets:
        assert f"<td>{outlet.name}</td>" in r.text.replace("&#39;", "'")
    assert 'class="flag' in r.text
    assert "Recent runs" in r.text and "<td>demo</td>" not in r.text  # the fixture's run is manual
    assert "Failures by reason" in r.text


def test_search_highlights_and_offers_the_config_entry(site) -> None:
    r = get(site + "/search?q=" + quote("chechen* AND gay") + "&name=my+topic")
    assert r.status == 200
    assert "<mark>gay</mark>" in r.text.lower() or "<mark>Gay</mark>" in r.text
    assert "<mark>Chechen" in r.text or "<mark>chechen" in r.text
    assert "[[topics]]" in r.text
    assert "name = &#34;my topic&#34;" in r.text or "name = &quot;my topic&quot;" in r.text
    broken = get(site + "/search?q=" + quote("chechnya AND"))
    assert broken.status == 400 and "expected a term after" in broken.text
    bad_name = get(site + "/search?q=gay&name=" + quote("<b>"))
    assert bad_name.status == 200 and "topic name:" in bad_name.text


def test_sql_page_runs_the_sandbox_and_downloads(site) -> None:
    q = quote("SELECT outlet, count(*) AS n FROM articles GROUP BY outlet ORDER BY outlet")
    r = get(site + f"/sql?q={q}")
    assert r.status == 200 and "<th>outlet</th>" in r.text and "7 rows" in r.text
    csv = get(site + f"/sql.csv?q={q}")
    assert csv.status == 200 and csv.text.splitlines()[0].strip() == "outlet,n"
    assert len(csv.text.strip().splitlines()) == 8
    parquet = get(site + f"/sql.parquet?q={q}")
    table = pq.read_table(io.BytesIO(parquet.body))
    assert table.column_names == ["outlet", "n"] and table.num_rows == 7


def test_sql_page_refuses_writes_and_files(site, tmp_path) -> None:
    target = tmp_path / "leak.csv"
    for sql in (
        f"COPY articles TO '{target}'",
        "DELETE FROM articles",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
    ):
        r = get(site + "/sql?q=" + quote(sql))
        assert r.status == 400, sql
        assert "refused" in r.text or "SQL error" in r.text, sql
    assert not target.exists()
    assert get(site + "/sql?q=" + quote("SELECT count(*) FROM articles")).status == 200


def test_digests_archive_lists_and_serves_each_digest_as_sent(site, demo) -> None:
    r = get(site + "/digests")
    assert r.status == 200
    link = f"/digests/{demo.digest_day}/chechnya.html"
    assert f'href="{link}"' in r.text
    sent = get(site + link)
    written = (demo.config.digest_dir / demo.digest_day / "chechnya.html").read_bytes()
    assert sent.status == 200 and sent.body == written
    assert "sandbox" in sent.headers["content-security-policy"]
    for bad in ("/digests/..%2F..%2Fetc/passwd", "/digests/2026-01-01/..%2Fmediawatch.toml",
                f"/digests/{demo.digest_day}/missing.html"):  # fmt: skip
        assert get(site + bad).status == 404, bad


def test_hostile_titles_render_inert(site, demo) -> None:
    pages = [
        f"/articles/{HOSTILE_ID}",
        f"/stories/{HOSTILE_STORY}",
        f"/topics/chechnya?day={demo.hostile_day}",
        "/search?q=" + quote("chechnya gay"),
        "/sql?q=" + quote(f"SELECT title, url FROM articles WHERE id = {HOSTILE_ID}"),
    ]
    for page in pages:
        r = get(site + page)
        assert r.status == 200, page
        html = r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
        assert "<script" not in html.lower(), page
        assert "<img src=x" not in html and "<iframe" not in html, page
        assert 'href="javascript:' not in html.lower(), page
    article = get(site + f"/articles/{HOSTILE_ID}").text
    assert 'class="unsafe-link"' in article  # the javascript: URL is shown as text, not a link
    # and the browser would not run a script even if one slipped through
    assert "default-src 'none'" in get(site + "/").headers["content-security-policy"]


def test_only_get_and_loopback_host_names(site) -> None:
    assert get(site + "/", method="POST").status == 405
    assert get(site + "/outlets", method="HEAD").status == 200
    assert get(site + "/sql?q=SELECT+1", method="DELETE").status == 405
    # DNS rebinding: a hostile name resolving to 127.0.0.1 is refused
    assert get(site + "/", headers={"Host": "evil.example:80"}).status == 421
    assert get(site + "/", headers={"Host": "localhost"}).status == 200


def test_sql_refuses_cross_site_requests(site) -> None:
    url = site + "/sql?q=" + quote("SELECT 1")
    assert get(url, headers={"Origin": "http://evil.example"}).status == 403
    assert get(url, headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    assert get(site + "/sql.csv?q=SELECT+1", headers={"Origin": "null"}).status == 403
    own = site.split("://", 1)[1]
    assert (
        get(url, headers={"Origin": f"http://{own}", "Sec-Fetch-Site": "same-origin"}).status == 200
    )
    # the reading pages may be linked from anywhere
    assert get(site + "/outlets", headers={"Sec-Fetch-Site": "cross-site"}).status == 200


def test_token_required_when_set(demo) -> None:
    token = "s3cret-token-for-the-test"
    with web_server(demo.config, token=token) as url:
        assert get(url + "/").status == 401
        assert get(url + "/?token=wrong-token-wrong-token").status == 401
        login = get(url + "/outlets?token=" + token)
        assert login.status == 303 and login.headers["location"] == "/outlets"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and token not in cookie
        session = cookie.split(";", 1)[0]
        assert get(url + "/outlets", headers={"Cookie": session}).status == 200
        assert get(url + "/", headers={"Authorization": f"Bearer {token}"}).status == 200
        assert get(url + "//evil.example/?token=" + token).headers["location"] == "/evil.example/"


def test_bind_rules() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.3.4.5"):
        assert is_loopback(host), host
        check_bind(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.org"):
        assert not is_loopback(host), host
        with pytest.raises(Exception, match="no token is set"):
            check_bind(host, None)
        check_bind(host, "x" * 16)
    with pytest.raises(Exception, match="too short"):
        check_bind("0.0.0.0", "short")


def test_busy_warehouse_shows_a_retrying_page(demo, tmp_path) -> None:
    """While another process holds the file for writing, pages say so and reload themselves."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " sys.stdin.readline(); con.close()", str(demo.config.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with web_server(demo.config, busy_timeout_s=0.5) as url:
            r = get(url + "/outlets")
            assert r.status == 503
            assert "Warehouse busy, retrying" in r.text
            assert '<meta http-equiv="refresh" content="3">' in r.text
            assert r.headers["retry-after"] == "3"
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(10)
            assert get(url + "/outlets").status == 200
    finally:
        holder.kill()
        holder.wait()


def _serve(args: list[str], config_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "MEDIAWATCH_CONFIG": str(config_path)}
    env.pop("MEDIAWATCH_SERVE_TOKEN", None)
    return subprocess.Popen(
        [MEDIAWATCH, "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_console_script_serves_pages_and_stops_on_ctrl_c(demo) -> None:
    proc = _serve(["--port", "0"], demo.config.source)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "serving the web view on http://127.0.0.1:" in line and "this machine only" in line
        url = line.split(" on ", 1)[1].split()[0].rstrip("/")
        r = get(url + "/topics/chechnya")
        assert r.status == 200 and "Daily stories and articles" in r.text
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
        assert proc.returncode == 130  # the project's exit code after Ctrl-C
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_console_script_refuses_other_hosts_without_a_token(demo) -> None:
    proc = _serve(["--host", "0.0.0.0", "--port", "0"], demo.config.source)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert err.startswith("error: --host 0.0.0.0 would let other machines read the warehouse")
    assert "MEDIAWATCH_SERVE_TOKEN" in err and "Traceback" not in err


def test_console_script_says_when_a_token_is_required(demo) -> None:
    proc = _serve(["--new-token", "--port", "0"], demo.config.source)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "a token is required" in line and "?token=" in line
        url, token = line.split("open ", 1)[1].split()[0].split("?token=")
        assert get(url.rstrip("/") + "/").status == 401
        assert get(url + "?token=" + token).status == 303
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(15)


def _banner_url(proc: subprocess.Popen[str], timeout_s: float = 60) -> str:
    """Read stderr until the web view says where it listens."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if "serving the web view on " in line:
            return line.split(" on ", 1)[1].split()[0].rstrip("/")
    raise AssertionError("no banner; stderr was:\n" + "".join(seen))


def test_run_serve_runs_the_scheduler_and_the_pages_in_one_process(demo) -> None:
    env = {**os.environ, "MEDIAWATCH_CONFIG": str(demo.config.source)}
    proc = subprocess.Popen(
        [MEDIAWATCH, "run", "--no-digest", "--serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = _banner_url(proc)
        r = get(url + "/outlets")
        assert r.status == 200 and "Recent runs" in r.text
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
        assert proc.returncode in (0, 130)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_demo_ends_with_the_serve_command_and_it_works(tmp_path) -> None:
    demo = subprocess.run(
        [MEDIAWATCH, "demo", "--dir", str(tmp_path / "demo"), "--articles", "60"],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    last = demo.stdout.strip().splitlines()[-1].split("#")[0].split()
    assert last[0].startswith("MEDIAWATCH_CONFIG=") and last[-1] == "serve"
    env = {**os.environ, last[0].split("=", 1)[0]: last[0].split("=", 1)[1]}
    proc = subprocess.Popen(
        [*last[1:], "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        url = _banner_url(proc)
        r = get(url + "/topics/chechnya")
        assert r.status == 200 and 'class="daily"' in r.text
        assert "chechnya.html" in get(url + "/digests").text  # the demo's digest
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(15)
    # the README's second demo line: backfill the WARC the demo wrote, as printed
    (line,) = [x for x in demo.stdout.splitlines() if " backfill warc " in x]
    setting, *command = line.split()
    backfill = subprocess.run(
        command, env={**os.environ, **dict([setting.split("=", 1)])},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert backfill.returncode == 0, backfill.stderr
    assert "120 new article(s)" in backfill.stdout
