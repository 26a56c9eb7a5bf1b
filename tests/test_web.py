"""The web page's JSON API (issue 15): the pure functions, then over HTTP on a free loopback port."""
from __future__ import annotations

import json
import logging
import socket

import httpx
import pytest

from ropbot.engine import Engine
from ropbot.services import services
from ropbot.web import api
from ropbot.web.server import CSP, BackgroundServer, page_html

R69 = "hvem følger opp den somatiske helsa?"  # the README's example
CRISIS = "jeg vil ta livet mitt i kveld"


@pytest.fixture(scope="module")
def web(engine: Engine):
    with BackgroundServer(engine) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client


# --- search ----------------------------------------------------------------------------------


def test_search_puts_the_engine_answer_first(engine):
    out = api.search(engine, R69)
    assert out["decision"] == "answer" and out["crisis"] == []
    first = out["results"][0]
    assert first["id"] == "R69" and first["answer"] and first["number"] == 69
    assert first["section"] == "8.3.2" and first["section_title"] and first["title"] and first["snippet"]
    assert "grade" in first


def test_search_makes_the_chat_s_crisis_decision(engine):
    out = api.search(engine, CRISIS)
    reply = engine.handle(CRISIS)
    assert out["urgency"] == reply.urgency == "acute"
    assert out["crisis"][0]["kind"] == "alert"
    assert [p["text"] for p in out["crisis"]] == [p.text for p in reply.parts]
    assert any("113" in p["text"] for p in out["crisis"])


def test_a_crisis_card_comes_with_the_answer_to_what_was_also_asked(engine):
    text = "jeg vil ta livet mitt i kveld. hvem følger opp somatisk helse?"
    out = api.search(engine, text)
    reply = engine.handle(text)
    assert out["crisis"] and out["urgency"] == "acute"
    assert [r["id"] for r in out["results"]][:1] == ([reply.answer.entry_id] if reply.answer else [])


def test_concern_shows_the_numbers_line(engine):
    text = "hva gjør man ved overdose hos en med rop-lidelse"
    reply = engine.handle(text)
    out = api.search(engine, text)
    assert out["urgency"] == reply.urgency
    if reply.urgency == "concern":
        assert "113" in out["safety"] and out["crisis"] == []


def test_audience_switches_the_snippet_between_text_and_plain(engine, live):
    rec = live.current.corpus.get("R69")
    staff = api.search(engine, R69, "staff")["results"][0]
    relative = api.search(engine, R69, "relative")["results"][0]
    assert staff["snippet"].split()[:5] == rec.text.split()[:5]
    assert relative["snippet"].split()[:5] == rec.plain.split()[:5]


def test_lookups_list_what_was_looked_up(engine):
    assert api.search(engine, "anbefaling 69")["results"][0]["id"] == "R69"
    assert api.search(engine, "8.3.2")["results"][0]["id"] == "S8.3.2"
    several = [r["id"] for r in api.search(engine, "anbefaling 69 og 70")["results"]]
    assert several[:2] == ["R69", "R70"]


def test_a_fallback_says_so_in_the_engine_s_words(engine):
    out = api.search(engine, "hei")
    assert out["decision"] == "intent" and out["notice"] and out["notice"][0]["text"]


def test_filters_narrow_the_results(engine, live):
    corpus = live.current.corpus
    chapter6 = api.search(engine, "kartlegging av rusbruk", chapter="6")
    assert chapter6["results"] and all(r["chapter"] == "6" for r in chapter6["results"])
    nav = api.search(engine, "", service="nav", limit=50)
    assert nav["decision"] == "browse" and nav["results"]
    [found] = [s for s in services(corpus, engine.knowledge.service_groups) if s.slug == "nav"]
    roles = {r.id for r in (*found.roles, *found.mentioned)}
    assert {r["id"] for r in nav["results"]} == roles | {ref for i in roles for ref in corpus.get(i).recommendations}
    assert any(r["kind"] == "recommendation" for r in nav["results"])
    browse = api.search(engine, "", chapter="8", limit=50)
    assert [r["chapter"] for r in browse["results"]] == ["8"] * len(browse["results"])
    assert api.search(engine, "")["results"] == []  # nothing typed, nothing chosen


def test_limit_and_bad_parameters(engine):
    assert len(api.search(engine, "", chapter="7", limit=3)["results"]) == 3
    for bad in ({"audience": "admin"}, {"chapter": "99"}, {"service": "finnes-ikke"}):
        with pytest.raises(api.BadRequest):
            api.search(engine, "dps", **bad)
    for bad in ("0", "51", "-1", "x", "²", "1e3", "9" * 20):
        with pytest.raises(api.BadRequest):
            api.parse_limit(bad)
    assert api.parse_limit(None) == api.DEFAULT_LIMIT and api.parse_limit("50") == 50


def test_the_query_is_cut_not_refused(engine):
    out = api.search(engine, "somatisk helse " * 1000)
    assert len(out["query"]) == api.MAX_QUERY


# --- entries ---------------------------------------------------------------------------------


def test_entry_has_text_plain_grade_related_link_and_credit(engine, live):
    corpus = live.current.corpus
    rec = corpus.get("R69")
    out = api.entry(engine, "R69")
    assert out["text"] == rec.text and out["plain"] == rec.plain and out["grade"] == rec.grade
    assert out["source"] == rec.source and out["credit"] == corpus.guideline.credit
    assert [r["id"] for r in out["related"]] == list(rec.related)[:4]
    assert out["location"].startswith("Kapittel 8") and out["label"] == "Anbefaling 69"


def test_role_term_topic_and_placeholder_entries(engine, live):
    corpus = live.current.corpus
    role = api.entry(engine, "S8.3.2")
    assert role["kind"] == "role" and role["responsible"] and role["points"]
    term = corpus.glossary[0]
    assert api.entry(engine, term.id)["text"] == term.definition
    topic = corpus.topics[0]
    assert api.entry(engine, topic.id)["text"] == topic.text
    placeholder = next(r for r in corpus.recommendations if not r.answerable)
    out = api.entry(engine, placeholder.id)
    assert not out["written"] and "ikke skrevet inn" in out["text"] and out["plain"] == ""
    assert api.entry(engine, "R9999") is None


def test_addresses_resolve_as_people_type_them(engine):
    assert [api.resolve(engine, k) for k in ("R69", "r69", "69", "S8_3_2", "s8.3.2", "nei")] == \
        ["R69", "R69", "R69", "S8.3.2", "S8.3.2", None]


def test_meta_lists_chapters_and_services(engine):
    out = api.meta(engine)
    assert {"5", "6", "7", "8"} <= {c["number"] for c in out["chapters"]}
    assert all(c["count"] > 0 for c in out["chapters"])
    assert {"nav", "fastlegen", "dps"} <= {s["slug"] for s in out["services"]}
    assert out["guideline"]["credit"] and out["guideline"]["is_number"] == "IS-1948"


# --- over HTTP -------------------------------------------------------------------------------


def test_http_search_entry_meta(web):
    r = web.get("/api/search", params={"q": R69})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json()["results"][0]["id"] == "R69"
    assert r.headers["cache-control"] == "no-store"
    assert web.get("/api/entry/R69").json()["number"] == 69
    assert web.get("/api/meta").json()["chapters"]


ODD = ["", " ", "🙂🙂🙂", "\x00\x01\x02", "\u202e\u200b", "'; DROP TABLE queries; --", "(.*)+$", "[[[", "\\",
       "%00", "<script>alert(1)</script>", "a" * 5000, "ÆØÅ" * 700, "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
       "9" * 400, "anbefaling " + "9" * 50, "8." * 300]


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_never_fail(web, query):
    r = web.get("/api/search", params={"q": query, "audience": "relative"})
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["results"], list)


def test_invalid_utf8_is_a_bad_request(web):
    assert web.get("/api/search?q=%ff%fe").status_code == 400
    assert web.get("/api/entry/%ff").status_code in (400, 404)


@pytest.mark.parametrize("params", [
    {"audience": "x"}, {"limit": "0"}, {"limit": "abc"}, {"chapter": "99"}, {"service": "../../etc"},
])
def test_bad_parameters_are_400_with_a_json_error(web, params):
    r = web.get("/api/search", params={"q": "dps", **params})
    assert r.status_code == 400 and r.json()["error"]


def test_unknown_entry_and_paths(web):
    assert web.get("/api/entry/R9999").status_code == 404
    assert web.get("/api/entry/R9999").json()["error"]
    assert web.get("/ingen/slik/side").status_code == 404
    assert web.get("/static/../server.py").status_code in (403, 404)
    assert web.get("/static/index.html").status_code == 404


def test_only_get_and_head(web):
    assert web.post("/api/search", content=b"q=dps").status_code == 405
    assert web.head("/").status_code == 200


def test_a_huge_body_is_refused(web):
    try:
        status = web.post("/api/search", content=b"x" * 100_000).status_code
    except httpx.TransportError:  # tornado hangs up once the body passes MAX_BODY
        status = None
    assert status in (None, 400, 405, 413)
    assert web.get("/api/meta").status_code == 200  # and keeps serving


def test_huge_request_line_is_refused(web):
    host, port = web.base_url.host, web.base_url.port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"GET /api/search?q=" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = sock.recv(100)
    assert not answer.startswith(b"HTTP/1.1 200")


def test_every_answer_carries_the_security_headers(web):
    for path in ("/", "/R69", "/api/search?q=dps", "/api/meta", "/api/entry/R69", "/nope/nope", "/api/search?limit=x"):
        r = web.get(path)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        assert "server" not in r.headers
    assert "'unsafe-inline'" not in CSP and "default-src 'self'" in CSP
    assert "script-src 'self'" in CSP


def test_deep_links_serve_the_page(web):
    for path in ("/", "/R69", "/S8.3.2", "/P1"):
        r = web.get(path)
        assert r.status_code == 200 and r.text.startswith("<!doctype html>"), path
    assert web.get("/R9999").status_code == 404 and "<!doctype html>" in web.get("/R9999").text
    r = web.get("/r69?for=parorende")
    assert r.status_code in (301, 302) and r.headers["location"] == "/R69?for=parorende"


def test_the_page_loads_nothing_from_elsewhere_and_has_no_inline_script():
    html = page_html().decode()
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("://", "")
    assert "<script>" not in html and " on" not in html.split("<body>")[1].replace(" only", "")
    assert 'src="/static/app.js?v=' in html and 'href="/static/app.css?v=' in html
    from ropbot.web.server import STATIC
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in js.splitlines() if not line.lstrip().startswith(("/*", "*", "//")))
    assert "innerHTML" not in code and "eval(" not in code and "insertAdjacentHTML" not in code and "telegram.org/js" not in js


def test_static_assets_are_cacheable_and_compressed(web):
    html = web.get("/").text
    js = html.split('src="')[1].split('"')[0]
    r = web.get(js, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "max-age" in r.headers.get("cache-control", "")


def test_the_log_keeps_no_query(web, caplog):
    with caplog.at_level(logging.DEBUG, logger="ropbot.web"):
        web.get("/api/search", params={"q": "hemmelig spørsmål 12345678901"})
        web.get("/api/search", params={"q": "hemmelig", "limit": "x"})
        web.get("/hemmelig-side/x")
    assert caplog.records and "hemmelig" not in caplog.text and "12345678901" not in caplog.text


def test_json_escapes_nothing_into_markup(engine):
    """The API returns data, not HTML: a query with markup comes back as the same text."""
    out = api.search(engine, "<b>dps</b>")
    assert out["query"] == "<b>dps</b>"
    json.dumps(out)  # serialisable as is


def test_the_page_stays_under_its_weight_budget(web):
    from ropbot.bench.web import PAGE_BYTES, page_weight

    weight = page_weight(web)
    assert 0 < weight["web_page_gzip_bytes"] < weight["web_page_bytes"] <= PAGE_BYTES


def test_ropbot_web_says_when_it_cannot_listen(capsys):
    from ropbot.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["web", "--host", "127.0.0.1", "--port", str(taken.getsockname()[1])]) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["web", "--port", "0"])
