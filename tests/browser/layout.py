"""What a page shows, measured: the boxes elements are drawn in (page coordinates, as in a
full-page screenshot), and the colours a screenshot holds inside them (decoded by the
browser itself: no image library needed). For tests that must see the page drawn, not
only that a file was written."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Page

BOX = """(e) => {
  const r = e.getBoundingClientRect();
  return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];
}"""
BOXES = f"(els) => els.map({BOX})"
# Per table row: its data-service, and the box of each of its cells but the first that holds
# text. In one evaluation: the page redraws its tables with every snapshot.
LABELLED = f"""(rows) => rows.map((row) => [
  row.dataset.service,
  [...row.cells].slice(1).filter((c) => c.textContent.trim()).map({BOX}),
])"""

# Distinct colours inside each box of a PNG, decoded on a canvas.
COLOURS = """async ([url, boxes]) => {
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  return boxes.map(([x, y, w, h]) => {
    const px = ctx.getImageData(Math.floor(x), Math.floor(y), Math.max(1, Math.floor(w)),
                                Math.max(1, Math.floor(h))).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return seen.size;
  });
}"""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def empty(self) -> bool:
        return self.width < 1 or self.height < 1

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)

    def spans_x_of(self, other: Box) -> bool:
        """`other` lies within this box's columns (a cell under its header)."""
        return self.x <= other.x + 0.5 and other.x + other.width <= self.x + self.width + 0.5

    def as_list(self) -> list[float]:
        return [self.x, self.y, self.width, self.height]


def boxes(page: Page, selector: str) -> list[Box]:
    """The box of each element `selector` matches, in document order."""
    found: list[list[float]] = page.locator(selector).evaluate_all(BOXES)
    return [Box(*b) for b in found]


def labelled_cells(page: Page, rows: str) -> list[tuple[str, list[Box]]]:
    """For each table row `rows` matches: its service, and the boxes of its labelled cells
    (the first cell left out)."""
    found: list[tuple[str, list[list[float]]]] = page.locator(rows).evaluate_all(LABELLED)
    return [(service, [Box(*b) for b in cells]) for service, cells in found]


def apart(found: list[Box]) -> list[tuple[int, int]]:
    """The pairs of boxes (by index) that are empty or overlap: none, for a clean layout."""
    bad = [(i, i) for i, b in enumerate(found) if b.empty]
    return bad + [(i, j) for i, a in enumerate(found) for j in range(i + 1, len(found))
                  if a.overlaps(found[j])]


def colours(context: BrowserContext, png: bytes, found: list[Box],
            inset: float = 3) -> list[int]:
    """How many distinct colours the screenshot `png` holds inside each box, `inset` pixels
    in from its edges (a border or a rounded corner is not content)."""
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    inner = [[b.x + inset, b.y + inset, b.width - 2 * inset, b.height - 2 * inset]
             for b in found]
    page = context.new_page()
    try:
        counts: list[int] = page.evaluate(COLOURS, [url, inner])
        return counts
    finally:
        page.close()
