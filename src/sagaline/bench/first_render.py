"""The dashboard page's time to first render: from navigation until the page has drawn its
first snapshot (its "updated" line, as tests/browser wait for it), in Debian's headless
Chromium driven by Playwright. No browser is ever downloaded: without one the figure is
None and the reason says why; the bench goes on."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, Any

from sagaline.bench.stats import percentile

if TYPE_CHECKING:  # the browser tier's package: imported where it runs, if installed
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
DRAWN = "document.querySelector('#updated')?.textContent.startsWith('updated')"
TIMEOUT_MS = 60_000


def measure(base: str, renders: int) -> dict[str, Any]:
    """`renders` first renders of `base`, each in a fresh browser context (nothing cached);
    `ms`: their median. No figure (`ms` None) always comes with `why_none`."""
    if renders < 1:
        return {"ms": None, "why_none": "no render asked (renders 0)"}
    if shutil.which(CHROMIUM) is None:
        return {"ms": None, "why_none": f"{CHROMIUM} is missing (Debian's chromium package)"}
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return {"ms": None, "why_none": "playwright (python) is not installed"}
    tries: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox"])
            try:
                for _ in range(renders):
                    tries.append(_one_render(browser, base))
            finally:
                browser.close()
    except Error as exc:
        first_line = next(iter(str(exc).splitlines()), "") or type(exc).__name__
        return {"ms": None, "why_none": f"browser: {first_line}", "tries": tries}
    return {"ms": percentile(tries, 50), "tries": tries}


def _one_render(browser: Browser, base: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    try:
        page = context.new_page()
        began = time.perf_counter()
        page.goto(base)
        page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
        return round((time.perf_counter() - began) * 1000, 1)
    finally:
        context.close()
