"""Draws a ticket layout as a PNG the width of its thermal paper (58 or 80 mm), in a fixed
pitch at the printer's column count, so that a line that fits the paper fits the picture."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageDraw, ImageFont

from edge.kiosk.layout import SCALE, Cut, Element, Feed, Line, Qr, Rule

WIDTH_PX = 384  # 58 mm paper at 203 dpi: what the print head covers
HEAD_PX = {58: 384, 80: 576}  # dots across at 203 dpi
_MARGIN = 8


# A fixed-pitch font with the code pages' letters (é, ±) when the system has one (Debian's
# fonts-dejavu-core); else Pillow's bundled font, drawn a character per cell all the same.
MONO_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",)


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Bold is drawn with a stroke.
    for path in MONO_FONTS:
        try:
            return ImageFont.truetype(path, max(px, 6))
        except OSError:
            continue
    return ImageFont.load_default(size=max(px, 6))


def render_png(elements: list[Element], columns: int = 32, paper_mm: int = 58) -> Image.Image:
    """Each character in a cell 1/columns of the printable width (twice or thrice as wide
    for double and huge text), as the printer's own fixed-pitch font sets it."""
    width = HEAD_PX.get(paper_mm, WIDTH_PX)
    cell = (width - 2 * _MARGIN) / columns
    parts: list[tuple[Image.Image, str]] = []
    for e in elements:
        if isinstance(e, Line):
            parts.append((_line(e, cell, width), e.align))
        elif isinstance(e, Qr):
            img = qrcode.make(e.data, box_size=6, border=1).get_image().convert("L")
            parts.append((img, "center"))
        elif isinstance(e, Rule):
            img = Image.new("L", (width - 2 * _MARGIN, 9), 255)
            ImageDraw.Draw(img).line((0, 4, img.width, 4), fill=0, width=2)
            parts.append((img, "center"))
        elif isinstance(e, Feed):
            parts.append((Image.new("L", (1, 24 * e.lines), 255), "left"))
        elif isinstance(e, Cut):
            parts.append((Image.new("L", (1, 32), 255), "left"))
    height = sum(p.height for p, _ in parts) + 2 * _MARGIN
    page = Image.new("L", (width, height), 255)
    y = _MARGIN
    for img, align in parts:
        if align == "center":
            x = (width - img.width) // 2
        elif align == "right":
            x = width - _MARGIN - img.width
        else:
            x = _MARGIN
        page.paste(img, (max(0, x), y))
        y += img.height
    return page


def _line(e: Line, cell: float, width: int) -> Image.Image:
    scale = SCALE[e.size]
    pitch = cell * scale
    font = _font(int(pitch * 1.6))  # a glyph about as wide as its cell
    stroke = 1 if e.bold else 0
    height = int(pitch * 2.2) + 4
    img = Image.new("L", (min(width, int(pitch * len(e.text)) + 2), height), 255)
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(e.text):
        if ch == " ":
            continue
        box = draw.textbbox((0, 0), ch, font=font, stroke_width=stroke)
        x = i * pitch + (pitch - (box[2] - box[0])) / 2 - box[0]
        draw.text((x, 2), ch, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
    return img
