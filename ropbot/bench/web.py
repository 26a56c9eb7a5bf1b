"""`ropbot bench --web`: the web page's figures, printed beside the others (not timed tests).

Search latency in process (the API's function) and over HTTP on loopback, the page's weight as
served (HTML, CSS and JS; raw and gzipped), and the first render in headless Chromium on loopback
(first contentful paint: the search box is in the first paint, the page draws nothing later).
"""
from __future__ import annotations

import re
import statistics
import time
from typing import Any

import httpx

from ..engine import Engine
from ..web import api, browser
from ..web.server import BackgroundServer
from .stats import percentile

# The budgets; the report says whether each was met.
SEARCH_P99_MS = 10.0
PAGE_BYTES = 100_000
FIRST_RENDER_MS = 1000.0
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def figures(engine: Engine, questions: list[str], repeat: int = 5, renders: int = 5) -> dict[str, Any]:
    texts = questions * repeat
    in_process = []
    for text in texts:
        t0 = time.perf_counter()
        api.search(engine, text)
        in_process.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"web_search_calls": len(texts),
                           "web_search_p50_ms": round(percentile(in_process, 0.50), 3),
                           "web_search_p99_ms": round(percentile(in_process, 0.99), 3)}
    with BackgroundServer(engine) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        over_http = []
        for text in texts:
            t0 = time.perf_counter()
            client.get("/api/search", params={"q": text}).raise_for_status()
            over_http.append((time.perf_counter() - t0) * 1000)
        out["web_http_p50_ms"] = round(percentile(over_http, 0.50), 3)
        out["web_http_p99_ms"] = round(percentile(over_http, 0.99), 3)
        out.update(page_weight(client))
        out.update(first_render(server.url, renders))
    render = out.get("web_first_render_ms")
    out["web_within_budget"] = {
        "search_p99": out["web_search_p99_ms"] <= SEARCH_P99_MS,
        "page_weight": out["web_page_bytes"] <= PAGE_BYTES,
        "first_render": render <= FIRST_RENDER_MS if isinstance(render, float) else None,
    }
    return out


def page_weight(client: httpx.Client) -> dict[str, int]:
    """Bytes of the page and everything it loads, as served: uncompressed and on the wire (gzip)."""
    raw = wire = 0
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    for response in (page, *(client.get(path, headers={"Accept-Encoding": "gzip"})
                             for path in ASSET.findall(page.text))):
        response.raise_for_status()
        raw += len(response.content)
        wire += response.num_bytes_downloaded
    return {"web_page_bytes": raw, "web_page_gzip_bytes": wire}


_PAINT = ("const p = performance.getEntriesByName('first-contentful-paint')[0];"
          "const n = performance.getEntriesByType('navigation')[0];"
          "return p && n ? [p.startTime, n.domContentLoadedEventEnd] : null;")


def first_render(url: str, runs: int = 5) -> dict[str, Any]:
    """Median and worst first contentful paint over `runs` loads with the cache off (after one
    load that only warms Chromium itself up)."""
    reason = browser.missing()
    if reason:
        return {"web_first_render_ms": f"skipped: {reason} ({browser.INSTALL_HINT})"}
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    paints, ready = [], []
    with browser.chromium() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        for run in range(runs + 1):
            driver.get("about:blank")
            driver.get(url + "/")
            WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "q").is_displayed())
            paint, dom = WebDriverWait(driver, 10).until(lambda d: d.execute_script(_PAINT))
            if run:
                paints.append(float(paint))
                ready.append(float(dom))
    return {"web_first_render_ms": round(statistics.median(paints), 1), "web_first_render_ms_max": round(max(paints), 1),
            "web_dom_ready_ms": round(statistics.median(ready), 1), "web_first_render_runs": len(paints)}
