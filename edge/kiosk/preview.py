"""Draws a ticket layout as a PNG the width of 58 mm thermal paper, for technicians and tests."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageDraw, ImageFont

from edge.kiosk.layout import Cut, Element, Feed, Line, Qr, Rule

WIDTH_PX = 384  # 58 mm paper at 203 dpi: what the print head covers
_POINTS = {"normal": 20, "double": 36, "huge": 88}
_MARGIN = 8


def _font(size: str, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font needs no file on the Pi; bold is drawn with a stroke.
    return ImageFont.load_default(size=_POINTS[size])


def render_png(elements: list[Element]) -> Image.Image:
    parts: list[tuple[Image.Image, str]] = []
    for e in elements:
        if isinstance(e, Line):
            parts.append((_line(e), e.align))
        elif isinstance(e, Qr):
            img = qrcode.make(e.data, box_size=6, border=1).get_image().convert("L")
            parts.append((img, "center"))
        elif isinstance(e, Rule):
            img = Image.new("L", (WIDTH_PX - 2 * _MARGIN, 9), 255)
            ImageDraw.Draw(img).line((0, 4, img.width, 4), fill=0, width=2)
            parts.append((img, "center"))
        elif isinstance(e, Feed):
            parts.append((Image.new("L", (1, 24 * e.lines), 255), "left"))
        elif isinstance(e, Cut):
            parts.append((Image.new("L", (1, 32), 255), "left"))
    height = sum(p.height for p, _ in parts) + 2 * _MARGIN
    page = Image.new("L", (WIDTH_PX, height), 255)
    y = _MARGIN
    for img, align in parts:
        x = (WIDTH_PX - img.width) // 2 if align == "center" else _MARGIN
        page.paste(img, (max(0, x), y))
        y += img.height
    return page


def _line(e: Line) -> Image.Image:
    font = _font(e.size, e.bold)
    stroke = 1 if e.bold else 0
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    box = probe.textbbox((0, 0), e.text or " ", font=font, stroke_width=stroke)
    left, right, bottom = box[0], box[2], box[3]
    img = Image.new("L", (min(WIDTH_PX, int(right - left) + 2), int(bottom) + 6), 255)
    ImageDraw.Draw(img).text(
        (-left + 1, 2), e.text, font=font, fill=0, stroke_width=stroke, stroke_fill=0
    )
    return img
