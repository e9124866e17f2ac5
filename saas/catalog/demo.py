"""The demo store's catalog: about two dozen batik products in four collections, with images drawn by Pillow.

`seed_demo_catalog(tenant)` goes through the same services as the builder (create_product, update_variant,
add_image, save_collection), so the demo data obeys every catalog rule. The pictures are batik motifs
(kawung, parang, ceplok, truntum, lereng, mega mendung, lurik) in natural-dye palettes, drawn at twice the
size and scaled down for smooth edges, from a random generator seeded by the product, so every run draws
the same pictures.
"""
import io
import math
import random
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFilter

SIZE = 960  # the widest rendition the storefront asks for; 1200 px would add a fourth rendition to encode per image
SCALE = 2  # drawn at twice the size, then scaled down: Pillow's shapes have no anti-aliasing of their own


# Drawing


@dataclass(frozen=True)
class Palette:
    ground: str  # the dyed background of the cloth
    motif: str  # the light, wax-resisted motif
    line: str  # outlines and the darkest dye
    accent: str  # a second dye for the motif's centres
    backdrop: str  # the studio background the product stands on


PALETTES = {
    "soga": Palette("#7a4a2a", "#efe2c4", "#3a2315", "#b98049", "#f3ede2"),
    "indigo": Palette("#22345c", "#ebe3cf", "#111b33", "#7d8fb5", "#eef0f1"),
    "marun": Palette("#6b2231", "#f1e1c4", "#3a1019", "#c59a55", "#f4ece6"),
    "sage": Palette("#5d6f58", "#efe8d6", "#2e3a2b", "#bfa872", "#eff0ea"),
    "pesisir": Palette("#1f4f7a", "#e9eef3", "#112c45", "#6f9cc4", "#eef2f4"),
    "hitam": Palette("#2c2a29", "#e8dcc2", "#141312", "#a9784a", "#f1eee9"),
}


def _lens(cx, cy, angle, length, width, steps=18):
    """A pointed oval (a petal) from the centre outwards along `angle`, as polygon points."""
    ux, uy = math.cos(angle), math.sin(angle)
    vx, vy = -uy, ux
    left, right = [], []
    for i in range(steps + 1):
        t = i / steps
        along = t * length
        half = math.sin(math.pi * t) * width / 2
        left.append((cx + ux * along + vx * half, cy + uy * along + vy * half))
        right.append((cx + ux * along - vx * half, cy + uy * along - vy * half))
    return left + right[::-1]


def _ribbon(points, width):
    """A band of `width` along a polyline, narrowing to points at both ends, as polygon points."""
    left, right = [], []
    last = len(points) - 1
    for i, (x, y) in enumerate(points):
        (x0, y0), (x1, y1) = points[max(0, i - 1)], points[min(last, i + 1)]
        length = math.hypot(x1 - x0, y1 - y0) or 1
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        half = width / 2 * math.sin(math.pi * (0.08 + 0.84 * i / last)) ** 0.5
        left.append((x + nx * half, y + ny * half))
        right.append((x - nx * half, y - ny * half))
    return left + right[::-1]


def _dot(draw, x, y, r, fill):
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def _kawung(size, pal: Palette, rng):
    """Four oval petals round each point of a grid, turned 45 degrees: the palm-fruit motif of the kraton."""
    cell = rng.choice((150, 170, 190)) * SCALE // 2
    return _tiled(size, (cell, cell), lambda canvas: _kawung_canvas(canvas, pal, cell))


def _kawung_canvas(size, pal: Palette, cell: int):
    image = Image.new("RGB", size, pal.ground)
    draw = ImageDraw.Draw(image)
    outline = max(2, cell // 40)
    for gy in range(-1, size[1] // cell + 2):
        for gx in range(-1, size[0] // cell + 2):
            cx, cy = gx * cell + cell / 2, gy * cell + cell / 2
            for k in range(4):
                angle = math.pi / 4 + k * math.pi / 2
                petal = _lens(cx, cy, angle, cell * 0.7, cell * 0.42)
                draw.polygon(petal, fill=pal.line)
                inner = _lens(cx + math.cos(angle) * outline * 2, cy + math.sin(angle) * outline * 2, angle,
                              cell * 0.7 - outline * 4, cell * 0.42 - outline * 2.5)
                draw.polygon(inner, fill=pal.motif)
                seed = _lens(cx + math.cos(angle) * cell * 0.22, cy + math.sin(angle) * cell * 0.22, angle,
                             cell * 0.3, cell * 0.12)
                draw.polygon(seed, fill=pal.accent)
            _dot(draw, cx, cy, cell * 0.07, pal.motif)
            _dot(draw, cx, cy, cell * 0.035, pal.line)
            # the cecek: little dots of wax between the fruits
            for ox, oy in ((0.5, 0), (0, 0.5)):
                _dot(draw, cx + ox * cell, cy + oy * cell, cell * 0.025, pal.motif)
    return image


def _tiled(size, period, draw_canvas):
    """The pattern drawn once over two periods, and one period of it cut out and repeated: far fewer shapes."""
    width, height = period
    tile = draw_canvas((width * 2, height * 2)).crop((0, 0, width, height))
    image = Image.new("RGB", size)
    for y in range(0, size[1], height):
        for x in range(0, size[0], width):
            image.paste(tile, (x, y))
    return image


def _diagonal(size):
    """Map (u, v) in a frame turned 45 degrees (u along the bands, v across them) to image coordinates."""
    cx, cy = size[0] / 2, size[1] / 2
    c = math.sqrt(0.5)

    def to_image(u, v):
        return (cx + (u - v) * c, cy + (u + v) * c)

    reach = int(math.hypot(*size) / 2) + 1
    return to_image, reach


def _parang(size, pal: Palette, rng):
    """Diagonal bands of S-shaped blades (lidah api), parted by a line with a row of diamonds (mlinjon)."""
    image = Image.new("RGB", size, pal.ground)
    draw = ImageDraw.Draw(image)
    at, reach = _diagonal(size)
    band = rng.choice((180, 200, 220)) * SCALE // 2
    step = band * 0.62
    thick = band * 0.13
    for v0 in range(-reach - band, reach + band, band):
        line_top, line_bottom = v0, v0 + band * 0.16
        draw.polygon([at(-reach, line_top), at(reach, line_top), at(reach, line_bottom), at(-reach, line_bottom)],
                     fill=pal.line)
        mid, r = (line_top + line_bottom) / 2, band * 0.12
        u = -reach
        while u < reach:
            draw.polygon([at(u, mid - r), at(u + r, mid), at(u, mid + r), at(u - r, mid)], fill=pal.motif)
            # one blade: an S-shaped ribbon, tapering at both ends, with a thinner one in the second dye beside it
            for offset, colour, width in ((0, pal.motif, thick), (thick * 1.5, pal.accent, thick * 0.55)):
                draw.polygon(_ribbon([
                    at(u + step * 0.5 + offset + math.sin(t * math.pi * 2) * step * 0.28 - t * step * 0.25,
                       line_bottom + band * 0.08 + t * band * 0.72) for t in (i / 16 for i in range(17))
                ], width), fill=colour)
            _dot(draw, *at(u + step * 0.5, line_bottom + band * 0.1), thick * 0.6, pal.motif)
            u += step
    return image


def _ceplok(size, pal: Palette, rng):
    """A grid of eight-petalled stars inside diamonds: the geometric ceplok."""
    cell = rng.choice((200, 230, 260)) * SCALE // 2
    return _tiled(size, (cell, cell), lambda canvas: _ceplok_canvas(canvas, pal, cell))


def _ceplok_canvas(size, pal: Palette, cell: int):
    image = Image.new("RGB", size, pal.motif)
    draw = ImageDraw.Draw(image)
    for gy in range(-1, size[1] // cell + 2):
        for gx in range(-1, size[0] // cell + 2):
            cx, cy = gx * cell + cell / 2, gy * cell + cell / 2
            h = cell / 2
            draw.polygon(((cx, cy - h), (cx + h, cy), (cx, cy + h), (cx - h, cy)), fill=pal.ground)
            draw.polygon(((cx, cy - h * 0.86), (cx + h * 0.86, cy), (cx, cy + h * 0.86), (cx - h * 0.86, cy)),
                         fill=pal.line)
            for k in range(8):
                angle = k * math.pi / 4
                length = cell * (0.4 if k % 2 == 0 else 0.3)
                draw.polygon(_lens(cx, cy, angle, length, cell * 0.17), fill=pal.motif if k % 2 == 0 else pal.accent)
            _dot(draw, cx, cy, cell * 0.085, pal.ground)
            _dot(draw, cx, cy, cell * 0.04, pal.motif)
            # small four-petal flowers where the diamonds meet
            for corner_x, corner_y in ((cx + h, cy + h),):
                for k in range(4):
                    draw.polygon(_lens(corner_x, corner_y, k * math.pi / 2, cell * 0.16, cell * 0.09), fill=pal.ground)
                _dot(draw, corner_x, corner_y, cell * 0.03, pal.accent)
    return image


def _truntum(size, pal: Palette, rng):
    """Small star-flowers scattered on a dark ground: truntum, the motif of love that blooms again."""
    cell = rng.choice((100, 115, 130)) * SCALE // 2
    row = round(cell * 0.87)
    return _tiled(size, (cell * 2, row * 2), lambda canvas: _truntum_canvas(canvas, pal, cell, row))


def _truntum_canvas(size, pal: Palette, cell: int, row: int):
    image = Image.new("RGB", size, pal.ground)
    draw = ImageDraw.Draw(image)
    for gy in range(-1, size[1] // row + 2):
        for gx in range(-1, size[0] // cell + 2):
            cx, cy = gx * cell + (cell / 2 if gy % 2 else 0), gy * row
            r = cell * (0.3 if gx % 2 == 0 else 0.2)
            for k in range(8):
                draw.polygon(_lens(cx, cy, k * math.pi / 4 + math.pi / 8, r, r * 0.45), fill=pal.motif)
            _dot(draw, cx, cy, r * 0.28, pal.accent)
            _dot(draw, cx, cy, r * 0.12, pal.ground)
            for k in range(6):
                angle = k * math.pi / 3
                _dot(draw, cx + math.cos(angle) * cell * 0.5, cy + math.sin(angle) * row * 0.48, cell * 0.018, pal.accent)
    return image


def _lereng(size, pal: Palette, rng):
    """Plain diagonal stripes of different widths, dotted along the dark ones: lereng."""
    image = Image.new("RGB", size, pal.motif)
    draw = ImageDraw.Draw(image)
    at, reach = _diagonal(size)
    unit = rng.choice((30, 34, 38)) * SCALE // 2
    widths = (3, 1, 5, 1, 2, 1)
    colors = (pal.ground, pal.motif, pal.line, pal.motif, pal.accent, pal.motif)
    v, i = -reach, 0
    while v < reach:
        w = widths[i % len(widths)] * unit
        colour = colors[i % len(colors)]
        draw.polygon([at(-reach, v), at(reach, v), at(reach, v + w), at(-reach, v + w)], fill=colour)
        if colour == pal.line:
            for u in range(-reach, reach, unit):
                _dot(draw, *at(u, v + w / 2), unit * 0.18, pal.accent)
        v += w
        i += 1
    return image


def _mega_mendung(size, pal: Palette, rng):
    """Clouds in seven graded layers, the coastal motif of Cirebon."""
    image = Image.new("RGB", size, pal.motif)
    draw = ImageDraw.Draw(image)
    layers = 7
    shades = [_mix(pal.line, pal.ground, k / 3) if k < 3 else _mix(pal.ground, pal.motif, (k - 2) / (layers - 2) * 0.9)
              for k in range(layers)]
    unit = size[0] // 5
    for gy in range(-1, size[1] // unit + 2):
        for gx in range(-1, size[0] // unit + 2):
            cx = gx * unit * 1.6 + (unit * 0.8 if gy % 2 else 0)
            cy = gy * unit * 1.05
            puffs = [(cx, cy, unit * 0.55), (cx - unit * 0.55, cy + unit * 0.2, unit * 0.38),
                     (cx + unit * 0.55, cy + unit * 0.2, unit * 0.38)]
            for k, shade in enumerate(shades):
                shrink = k * unit * 0.055
                for px, py, r in puffs:
                    if r - shrink > 0:
                        draw.ellipse((px - r + shrink, py - r + shrink, px + r - shrink, py + r - shrink), fill=shade)
    return image


def _lurik(size, pal: Palette, rng):
    """Woven stripes of different widths (lurik is woven, not dyed)."""
    image = Image.new("RGB", size, pal.ground)
    draw = ImageDraw.Draw(image)
    colors = (pal.ground, pal.motif, pal.line, pal.accent)
    x = 0
    while x < size[0]:
        w = rng.choice((4, 4, 8, 12, 24, 40)) * SCALE
        draw.rectangle((x, 0, x + w, size[1]), fill=rng.choice(colors))
        x += w
    # the weave: faint horizontal threads
    weft = _mix(pal.line, pal.ground, 0.5)
    for y in range(0, size[1], 5 * SCALE):
        draw.line((0, y, size[0], y), fill=weft, width=1)
    return image


MOTIFS = {
    "kawung": _kawung, "parang": _parang, "ceplok": _ceplok, "truntum": _truntum, "lereng": _lereng,
    "mega_mendung": _mega_mendung, "lurik": _lurik,
}


# Product shapes on a square of side s: the outline draws the mask (255 where the product is), and the
# details draw collars, handles and seams over the cloth.

LEATHER, LEATHER_DARK, WOOD = "#7a4e2e", "#4f311c", "#6a4529"


def _shirt(draw, s, long_sleeves=True):
    body = [(0.36, 0.17), (0.44, 0.15), (0.5, 0.2), (0.56, 0.15), (0.64, 0.17), (0.79, 0.24)]
    if long_sleeves:
        body += [(0.9, 0.62), (0.82, 0.65), (0.72, 0.36)]
    else:
        body += [(0.88, 0.42), (0.77, 0.47), (0.72, 0.38)]
    body += [(0.73, 0.86), (0.27, 0.86), (0.28, 0.38)]
    if long_sleeves:
        body += [(0.18, 0.65), (0.1, 0.62)]
    else:
        body += [(0.23, 0.47), (0.12, 0.42)]
    body += [(0.21, 0.24)]
    draw.polygon([(x * s, y * s) for x, y in body], fill=255)


def _shirt_details(draw, s, pal, long_sleeves=True):
    w = max(2, s // 300)
    draw.line([(0.5 * s, 0.2 * s), (0.5 * s, 0.86 * s)], fill=pal.line, width=w * 2)  # placket
    for y in (0.3, 0.42, 0.54, 0.66, 0.78):
        _dot(draw, 0.5 * s + w * 4, y * s, w * 2.2, pal.motif)
    draw.polygon([(0.44 * s, 0.15 * s), (0.5 * s, 0.2 * s), (0.47 * s, 0.27 * s), (0.4 * s, 0.19 * s)], fill=pal.line)
    draw.polygon([(0.56 * s, 0.15 * s), (0.5 * s, 0.2 * s), (0.53 * s, 0.27 * s), (0.6 * s, 0.19 * s)], fill=pal.line)
    draw.rectangle((0.58 * s, 0.32 * s, 0.67 * s, 0.33 * s), fill=pal.line)  # pocket
    if long_sleeves:
        draw.line([(0.83 * s, 0.57 * s), (0.91 * s, 0.54 * s)], fill=pal.line, width=w * 3)
        draw.line([(0.17 * s, 0.57 * s), (0.09 * s, 0.54 * s)], fill=pal.line, width=w * 3)


def _outer(draw, s):
    body = [(0.38, 0.16), (0.5, 0.22), (0.62, 0.16), (0.78, 0.22), (0.94, 0.5), (0.8, 0.56), (0.72, 0.42),
            (0.74, 0.88), (0.26, 0.88), (0.28, 0.42), (0.2, 0.56), (0.06, 0.5), (0.22, 0.22)]
    draw.polygon([(x * s, y * s) for x, y in body], fill=255)


def _outer_details(draw, s, pal):
    w = max(2, s // 200)
    draw.line([(0.38 * s, 0.16 * s), (0.48 * s, 0.5 * s), (0.47 * s, 0.88 * s)], fill=pal.motif, width=w * 5)
    draw.line([(0.62 * s, 0.16 * s), (0.52 * s, 0.5 * s), (0.53 * s, 0.88 * s)], fill=pal.motif, width=w * 5)


def _kain(draw, s):
    draw.rounded_rectangle((0.16 * s, 0.26 * s, 0.84 * s, 0.8 * s), radius=s * 0.01, fill=255)


def _kain_details(draw, s, pal):
    # a folded stack: the fold lines and the border (pinggiran) along one edge
    draw.rectangle((0.16 * s, 0.26 * s, 0.84 * s, 0.31 * s), fill=pal.line)
    draw.rectangle((0.16 * s, 0.31 * s, 0.84 * s, 0.325 * s), fill=pal.accent)
    for y in (0.44, 0.62):
        draw.line([(0.16 * s, y * s), (0.84 * s, y * s)], fill=pal.line, width=max(2, s // 250))


def _scarf(draw, s):
    # hung over a wooden rod: the front fall, a little longer than the back one, with fringes
    draw.rectangle((0.18 * s, 0.15 * s, 0.82 * s, 0.18 * s), fill=255)
    draw.polygon([(0.3 * s, 0.165 * s), (0.7 * s, 0.165 * s), (0.72 * s, 0.8 * s), (0.28 * s, 0.8 * s)], fill=255)
    draw.polygon([(0.36 * s, 0.165 * s), (0.64 * s, 0.165 * s), (0.62 * s, 0.86 * s), (0.38 * s, 0.86 * s)], fill=255)
    for i in range(16):
        x = 0.385 * s + i * 0.23 * s / 15
        draw.rectangle((x - s * 0.0025, 0.86 * s, x + s * 0.0025, 0.91 * s), fill=255)
    for i in range(20):
        x = 0.285 * s + i * 0.43 * s / 19
        draw.rectangle((x - s * 0.0025, 0.8 * s, x + s * 0.0025, 0.84 * s), fill=255)


def _scarf_details(draw, s, pal):
    draw.rounded_rectangle((0.18 * s, 0.15 * s, 0.82 * s, 0.18 * s), radius=s * 0.012, fill=WOOD)
    shade = _mix(pal.line, pal.ground, 0.3)
    draw.polygon([(0.3 * s, 0.18 * s), (0.7 * s, 0.18 * s), (0.72 * s, 0.8 * s), (0.28 * s, 0.8 * s)], outline=shade,
                 width=max(2, s // 300))
    draw.line([(0.36 * s, 0.18 * s), (0.38 * s, 0.86 * s)], fill=shade, width=max(2, s // 250))
    draw.line([(0.64 * s, 0.18 * s), (0.62 * s, 0.86 * s)], fill=shade, width=max(2, s // 250))


def _tote_handles(draw, s, fill):
    for x0 in (0.3, 0.52):
        draw.arc((x0 * s, 0.14 * s, (x0 + 0.18) * s, 0.56 * s), 180, 360, fill=fill, width=int(s * 0.026))


def _tote(draw, s):
    _tote_handles(draw, s, 255)
    draw.rounded_rectangle((0.22 * s, 0.36 * s, 0.78 * s, 0.86 * s), radius=s * 0.02, fill=255)


def _tote_details(draw, s, pal):
    _tote_handles(draw, s, LEATHER)
    draw.rectangle((0.22 * s, 0.36 * s, 0.78 * s, 0.41 * s), fill=pal.line)
    for x in (0.33, 0.67):
        draw.rectangle(((x - 0.03) * s, 0.36 * s, (x + 0.03) * s, 0.45 * s), fill=LEATHER)


def _pouch(draw, s):
    draw.rounded_rectangle((0.18 * s, 0.34 * s, 0.82 * s, 0.76 * s), radius=s * 0.06, fill=255)


def _pouch_details(draw, s, pal):
    draw.rectangle((0.2 * s, 0.37 * s, 0.8 * s, 0.4 * s), fill=pal.line)
    draw.rounded_rectangle((0.74 * s, 0.35 * s, 0.78 * s, 0.47 * s), radius=s * 0.01, fill=pal.accent)


def _wallet(draw, s):
    draw.rounded_rectangle((0.2 * s, 0.3 * s, 0.8 * s, 0.72 * s), radius=s * 0.03, fill=255)


def _wallet_details(draw, s, pal):
    # a leather wallet with a band of batik across its flap
    draw.rounded_rectangle((0.2 * s, 0.48 * s, 0.8 * s, 0.72 * s), radius=s * 0.03, fill=LEATHER)
    draw.rectangle((0.2 * s, 0.48 * s, 0.8 * s, 0.52 * s), fill=LEATHER)
    draw.rectangle((0.2 * s, 0.3 * s, 0.8 * s, 0.32 * s), fill=LEATHER_DARK)
    draw.rectangle((0.2 * s, 0.5 * s, 0.8 * s, 0.51 * s), fill=LEATHER_DARK)
    for x in range(22, 79, 2):  # stitching
        draw.rectangle((x / 100 * s, 0.325 * s, (x + 0.9) / 100 * s, 0.33 * s), fill="#d8c3a0")
    _dot(draw, 0.5 * s, 0.5 * s, s * 0.022, "#c8a96a")


def _blangkon(draw, s):
    draw.pieslice((0.2 * s, 0.3 * s, 0.8 * s, 0.98 * s), 180, 360, fill=255)
    draw.rectangle((0.2 * s, 0.63 * s, 0.8 * s, 0.7 * s), fill=255)
    draw.ellipse((0.7 * s, 0.46 * s, 0.86 * s, 0.62 * s), fill=255)  # mondolan, the knot at the back


def _blangkon_details(draw, s, pal):
    for k in range(1, 5):
        draw.arc((0.2 * s + k * s * 0.03, 0.3 * s + k * s * 0.05, 0.8 * s - k * s * 0.03, 0.98 * s), 200, 340,
                 fill=pal.line, width=max(2, s // 300))
    draw.rectangle((0.2 * s, 0.63 * s, 0.8 * s, 0.7 * s), fill=pal.line)


def _tie(draw, s):
    draw.polygon([(0.46 * s, 0.1 * s), (0.54 * s, 0.1 * s), (0.56 * s, 0.2 * s), (0.52 * s, 0.22 * s),
                  (0.6 * s, 0.78 * s), (0.5 * s, 0.9 * s), (0.4 * s, 0.78 * s), (0.48 * s, 0.22 * s),
                  (0.44 * s, 0.2 * s)], fill=255)


def _tie_details(draw, s, pal):
    draw.polygon([(0.46 * s, 0.1 * s), (0.54 * s, 0.1 * s), (0.56 * s, 0.2 * s), (0.52 * s, 0.22 * s),
                  (0.48 * s, 0.22 * s), (0.44 * s, 0.2 * s)], outline=pal.line, width=max(2, s // 300))


def _sling(draw, s):
    _sling_strap(draw, s, 255)
    draw.rounded_rectangle((0.26 * s, 0.44 * s, 0.74 * s, 0.82 * s), radius=s * 0.1, fill=255)


def _sling_strap(draw, s, fill):
    draw.arc((0.22 * s, 0.1 * s, 0.78 * s, 0.9 * s), 195, 345, fill=fill, width=int(s * 0.016))


def _sling_details(draw, s, pal):
    _sling_strap(draw, s, LEATHER)
    draw.pieslice((0.26 * s, 0.3 * s, 0.74 * s, 0.62 * s), 0, 180, fill=pal.line)
    _dot(draw, 0.5 * s, 0.6 * s, s * 0.018, pal.accent)


def _cushion(draw, s):
    draw.rounded_rectangle((0.18 * s, 0.18 * s, 0.82 * s, 0.82 * s), radius=s * 0.09, fill=255)


def _cushion_details(draw, s, pal):
    draw.rounded_rectangle((0.18 * s, 0.18 * s, 0.82 * s, 0.82 * s), radius=s * 0.09, outline=pal.line,
                           width=int(s * 0.012))


def _tablecloth(draw, s):
    draw.polygon([(0.2 * s, 0.3 * s), (0.8 * s, 0.3 * s), (0.92 * s, 0.8 * s), (0.08 * s, 0.8 * s)], fill=255)


def _tablecloth_details(draw, s, pal):
    draw.polygon([(0.2 * s, 0.3 * s), (0.8 * s, 0.3 * s), (0.92 * s, 0.8 * s), (0.08 * s, 0.8 * s)],
                 outline=pal.line, width=int(s * 0.02))


def _runner(draw, s):
    draw.rectangle((0.08 * s, 0.38 * s, 0.92 * s, 0.62 * s), fill=255)
    for i in range(18):
        y = 0.385 * s + i * 0.23 * s / 17
        draw.rectangle((0.04 * s, y - s * 0.002, 0.08 * s, y + s * 0.002), fill=255)
        draw.rectangle((0.92 * s, y - s * 0.002, 0.96 * s, y + s * 0.002), fill=255)


def _runner_details(draw, s, pal):
    draw.rectangle((0.08 * s, 0.38 * s, 0.92 * s, 0.4 * s), fill=pal.line)
    draw.rectangle((0.08 * s, 0.6 * s, 0.92 * s, 0.62 * s), fill=pal.line)


def _frame(draw, s):
    draw.rectangle((0.2 * s, 0.14 * s, 0.8 * s, 0.86 * s), fill=255)


def _frame_details(draw, s, pal):
    draw.rectangle((0.2 * s, 0.14 * s, 0.8 * s, 0.86 * s), outline=WOOD, width=int(s * 0.04))
    draw.rectangle((0.24 * s, 0.18 * s, 0.76 * s, 0.82 * s), outline="#d9c9a8", width=int(s * 0.012))


SHAPES = {
    "shirt": (_shirt, lambda d, s, p: _shirt_details(d, s, p, True)),
    "shirt_short": (lambda d, s: _shirt(d, s, False), lambda d, s, p: _shirt_details(d, s, p, False)),
    "outer": (_outer, _outer_details),
    "kain": (_kain, _kain_details),
    "scarf": (_scarf, _scarf_details),
    "tote": (_tote, _tote_details),
    "pouch": (_pouch, _pouch_details),
    "wallet": (_wallet, _wallet_details),
    "blangkon": (_blangkon, _blangkon_details),
    "tie": (_tie, _tie_details),
    "sling": (_sling, _sling_details),
    "cushion": (_cushion, _cushion_details),
    "tablecloth": (_tablecloth, _tablecloth_details),
    "runner": (_runner, _runner_details),
    "frame": (_frame, _frame_details),
}


def _mix(a: str, b: str, t: float) -> tuple:
    ca, cb = ImageColor.getrgb(a), ImageColor.getrgb(b)
    return tuple(round(x + (y - x) * t) for x, y in zip(ca, cb))


def _backdrop(size: int, pal: Palette) -> Image.Image:
    """A studio backdrop: the palette's paper tone, a shade darker towards the floor."""
    top = Image.new("RGB", (size, size), pal.backdrop)
    floor = Image.new("RGB", (size, size), _mix(pal.backdrop, "#8a7a66", 0.18))
    return Image.composite(floor, top, Image.linear_gradient("L").resize((size, size)))


def _grain(image: Image.Image, rng: random.Random) -> Image.Image:
    """The batik's fine crackle and the cotton's grain: a faint noise, so flat areas don't look printed."""
    w, h = image.size
    noise = Image.frombytes("L", (w // 2, h // 2), rng.randbytes((w // 2) * (h // 2)))
    noise = noise.resize((w, h), Image.Resampling.BILINEAR).point(lambda v: 128 + (v - 128) // 7)
    return ImageChops.overlay(image, Image.merge("RGB", (noise, noise, noise)))


def render_product_image(shape: str, motif: str, palette: str, seed: str, size: int = SIZE) -> Image.Image:
    """The product in its motif and palette on a studio backdrop, with a soft shadow; one seed, one picture."""
    rng = random.Random(seed)
    pal = PALETTES[palette]
    side = size * SCALE
    outline, details = SHAPES[shape]
    mask = Image.new("L", (side, side), 0)
    outline(ImageDraw.Draw(mask), side)
    cloth = MOTIFS[motif]((side, side), pal, rng)
    details(ImageDraw.Draw(cloth), side, pal)
    mask, cloth = mask.reduce(SCALE), _grain(cloth.reduce(SCALE), rng)
    image = _backdrop(size, pal)
    shadow = mask.reduce(4).filter(ImageFilter.GaussianBlur(size // 100)).resize((size, size), Image.Resampling.BILINEAR)
    shadow = ImageChops.offset(shadow, int(size * 0.018), int(size * 0.03)).point(lambda v: v * 0.3)
    image = Image.composite(Image.new("RGB", (size, size), _mix(pal.backdrop, "#2b2018", 0.6)), image, shadow)
    image.paste(cloth, (0, 0), mask)
    return image


def render_detail_image(motif: str, palette: str, seed: str, size: int = SIZE) -> Image.Image:
    """A close-up of the cloth, edge to edge."""
    rng = random.Random(seed)
    return _grain(MOTIFS[motif]((size * SCALE, size * SCALE), PALETTES[palette], rng).reduce(SCALE), rng)


def image_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)  # what a camera would upload; far quicker to write and read than PNG
    return buffer.getvalue()


# The catalog

RUPIAH = 100  # IDR amounts are kept in minor units (1/100)
SHOP = "Toko Batik Sari"
COLOURS = {"Coklat Soga": "soga", "Biru Indigo": "indigo", "Merah Marun": "marun", "Hijau Sage": "sage"}
SIZES = {"name": "Ukuran", "values": ["S", "M", "L", "XL"]}

CARE = "<li>Perawatan: cuci tangan dengan lerak atau sampo bayi, jangan diperas, jemur di tempat teduh.</li>"


@dataclass
class DemoProduct:
    title: str
    sku: str  # the SKU prefix; variants add their option codes
    shape: str
    motif: str
    palette: str
    price: int  # in rupiah; converted to minor units when saved
    description: str  # the lead paragraph; the details list follows
    details: list[str]
    tags: list[str]
    vendor: str = SHOP
    compare_at: int | None = None
    options: list[dict] = field(default_factory=list)
    prices: dict = field(default_factory=dict)  # option value -> its own price (in rupiah)
    stock: tuple = (8, 24)  # each variant's stock is drawn from this range; (0, 0) is sold out
    low: int = 0  # how many variants have only 1-3 left
    weight: int = 300
    detail_image: bool = False
    status: str = "active"

    @property
    def collection(self) -> str:
        return self.tags[0]


PRODUCTS = [
    # Kemeja Batik
    DemoProduct(
        "Kemeja Batik Parang Rusak Lengan Panjang", "KMJ-PRG", "shirt", "parang", "soga", 425_000,
        "Parang rusak, motif para ksatria Mataram, dalam warna sogan klasik. Potongan regular fit dengan lengan "
        "panjang, pas untuk kondangan, rapat kantor, maupun Jumat batik.",
        ["Bahan: katun primisima, halus dan adem", "Teknik: batik cap dengan sentuhan tulis",
         "Furing katun di bagian badan"],
        ["kemeja", "pria", "parang", "batik cap"], options=[SIZES], weight=320, detail_image=True),
    DemoProduct(
        "Kemeja Batik Kawung Lengan Pendek", "KMJ-KWG", "shirt_short", "kawung", "indigo", 289_000,
        "Motif kawung yang tertata rapi dalam biru indigo. Lengan pendek yang santai, tetap sopan untuk acara "
        "semi formal.",
        ["Bahan: katun prima", "Teknik: batik cap", "Kancing batok kelapa"],
        ["kemeja", "pria", "kawung", "promo"], compare_at=349_000, options=[SIZES], weight=260),
    DemoProduct(
        "Kemeja Batik Truntum Slim Fit", "KMJ-TRT", "shirt", "truntum", "soga", 315_000,
        "Truntum, bunga-bunga kecil lambang cinta yang tumbuh kembali. Potongan slim fit untuk tampilan yang "
        "lebih ramping, tersedia dalam dua warna.",
        ["Bahan: katun primisima", "Teknik: batik cap", "Potongan slim fit; pilih satu ukuran lebih besar bila ragu"],
        ["kemeja", "pria", "truntum"],
        options=[{"name": "Ukuran", "values": ["M", "L", "XL"]}, {"name": "Warna", "values": ["Coklat Soga", "Biru Indigo"]}],
        weight=300),
    DemoProduct(
        "Kemeja Batik Tulis Sido Mukti", "KMJ-SDM", "shirt", "ceplok", "soga", 1_250_000,
        "Sido mukti dibatik tangan oleh para pembatik Giriloyo, Imogiri, selama hampir dua bulan. Motif yang "
        "dahulu dikenakan pengantin ini membawa harapan hidup yang mulia dan berkecukupan.",
        ["Bahan: katun primisima kualitas terbaik", "Teknik: batik tulis halus, pewarna alam",
         "Setiap helai unik; motif dan warna bisa sedikit berbeda"],
        ["kemeja", "pria", "batik tulis", "premium"], vendor="Batik Tulis Giriloyo",
        options=[{"name": "Ukuran", "values": ["M", "L", "XL"]}], stock=(1, 3), low=3, weight=340,
        detail_image=True),
    DemoProduct(
        "Blus Batik Ceplok Kembang", "BLS-CPK", "shirt_short", "ceplok", "marun", 259_000,
        "Blus wanita dengan motif ceplok kembang dalam merah marun dan krem. Kerah kemeja dan lengan pendek "
        "yang rapi untuk kantor maupun akhir pekan.",
        ["Bahan: katun rayon, jatuh dan tidak panas", "Teknik: batik cap"],
        ["blus", "wanita", "ceplok", "promo"], compare_at=299_000,
        options=[{"name": "Ukuran", "values": ["S", "M", "L"]}], weight=220),
    DemoProduct(
        "Kemeja Batik Anak Lereng", "KMJ-ANK", "shirt_short", "lereng", "sage", 189_000,
        "Kemeja batik untuk si kecil dengan motif lereng dalam hijau sage yang segar. Nyaman dipakai seharian, "
        "dari sekolah sampai acara keluarga.",
        ["Bahan: katun lembut", "Teknik: batik cap", "Jahitan rapi dan kuat"],
        ["kemeja", "anak", "lereng"],
        options=[{"name": "Ukuran", "values": ["4-6 th", "7-9 th", "10-12 th"]}], weight=150),
    DemoProduct(
        "Kemeja Batik Mega Mendung Cirebon", "KMJ-MGM", "shirt", "mega_mendung", "pesisir", 349_000,
        "Awan mega mendung khas Cirebon dalam gradasi biru tujuh lapis. Melambangkan kesabaran: sejuk seperti "
        "awan yang membawa hujan.",
        ["Bahan: katun primisima", "Teknik: batik cap dan colet", "Dibuat oleh perajin Trusmi, Cirebon"],
        ["kemeja", "pria", "mega mendung", "pesisiran"], vendor="Batik Trusmi Cirebon", options=[SIZES],
        weight=320, detail_image=True),
    DemoProduct(
        "Outer Batik Kimono Truntum", "OTR-TRT", "outer", "truntum", "marun", 379_000,
        "Outer model kimono dengan motif truntum, ringan dipadukan dengan kaus polos atau gaun. Satu ukuran "
        "untuk banyak bentuk tubuh.",
        ["Bahan: katun rayon", "Ukuran: all size, lingkar dada hingga 120 cm", "Teknik: batik cap"],
        ["outer", "wanita", "truntum"], stock=(0, 0), weight=280),
    # Kain & Selendang
    DemoProduct(
        "Kain Batik Tulis Parang Barong", "KAIN-PRB", "kain", "parang", "soga", 1_150_000,
        "Parang barong, motif para raja, dibatik tangan di atas kain primisima sepanjang 2,5 meter. Cocok "
        "untuk jarik, kain panjang upacara adat, atau dijahit menjadi busana istimewa.",
        ["Ukuran: 250 × 105 cm", "Teknik: batik tulis, pewarna soga alam", "Dikirim dalam kotak kayu"],
        ["kain", "batik tulis", "parang", "premium"], vendor="Batik Tulis Giriloyo", stock=(3, 3), weight=450,
        detail_image=True),
    DemoProduct(
        "Kain Batik Cap Kawung Picis", "KAIN-KWP", "kain", "kawung", "soga", 285_000,
        "Kawung picis, kawung berukuran kecil serupa uang logam, dalam dua pilihan warna. Kain panjang siap "
        "dijahit.",
        ["Ukuran: 200 × 110 cm", "Bahan: katun primisima", "Teknik: batik cap"],
        ["kain", "batik cap", "kawung"],
        options=[{"name": "Warna", "values": ["Coklat Soga", "Biru Indigo"]}], weight=400),
    DemoProduct(
        "Kain Batik Truntum Sogan 2,5 m", "KAIN-TRS", "kain", "truntum", "soga", 450_000,
        "Kain truntum sogan yang biasa dikenakan orang tua pengantin. Warna coklat soga yang hangat dengan "
        "taburan bunga truntum krem.",
        ["Ukuran: 250 × 105 cm", "Teknik: batik cap kombinasi tulis"],
        ["kain", "truntum", "promo"], compare_at=525_000, stock=(12, 12), weight=450),
    DemoProduct(
        "Selendang Sutra Batik Lereng", "SLD-LRG", "scarf", "lereng", "indigo", 395_000,
        "Selendang sutra yang ringan dan berkilau lembut, dengan motif lereng yang anggun. Bisa dipakai sebagai "
        "syal, penutup kepala, atau aksen kebaya.",
        ["Bahan: sutra ATBM", "Ukuran: 180 × 50 cm", "Teknik: batik tulis"],
        ["selendang", "sutra", "wanita"],
        options=[{"name": "Warna", "values": ["Biru Indigo", "Merah Marun", "Hijau Sage"]}], weight=120),
    DemoProduct(
        "Selendang Katun Ceplok Kembang", "SLD-CPK", "scarf", "ceplok", "soga", 219_000,
        "Selendang katun dengan motif ceplok kembang, adem untuk dipakai sehari-hari dan mudah dirawat.",
        ["Bahan: katun voal", "Ukuran: 180 × 60 cm", "Teknik: batik cap"],
        ["selendang", "katun", "promo"], compare_at=259_000, weight=110),
    DemoProduct(
        "Kain Lurik Tenun ATBM", "KAIN-LRK", "runner", "lurik", "hitam", 245_000,
        "Lurik, kain bergaris yang ditenun dengan alat tenun bukan mesin oleh perajin Pedan, Klaten. Tekstur "
        "kainnya terasa di tangan.",
        ["Ukuran: 200 × 100 cm", "Bahan: benang katun", "Teknik: tenun ATBM"],
        ["kain", "lurik", "tenun"], vendor="Omah Lurik Klaten", stock=(0, 0), weight=380),
    # Aksesoris
    DemoProduct(
        "Tas Tote Batik Kawung", "TAS-KWG", "tote", "kawung", "indigo", 239_000,
        "Tote bag kanvas berlapis kain batik kawung, dengan tali kulit sintetis yang kuat. Muat laptop 14 inci.",
        ["Ukuran: 38 × 35 × 10 cm", "Saku dalam beritsleting", "Bahan: kanvas dan katun batik cap"],
        ["aksesoris", "tas", "promo"], compare_at=279_000, weight=420),
    DemoProduct(
        "Pouch Batik Parang Isi 3", "PCH-PRG", "pouch", "parang", "marun", 189_000,
        "Tiga pouch bertingkat dengan motif parang, rapi untuk kosmetik, alat tulis, atau kabel pengisi daya.",
        ["Ukuran: 24, 20 dan 16 cm", "Ritsleting YKK", "Lapisan dalam anti air"],
        ["aksesoris", "pouch"], weight=180),
    DemoProduct(
        "Dompet Kulit Aksen Batik", "DMP-KLT", "wallet", "kawung", "soga", 275_000,
        "Dompet lipat dari kulit sapi asli buatan perajin Manding, Bantul, dengan aksen kain batik kawung di "
        "tutupnya.",
        ["Bahan: kulit sapi nabati", "Enam slot kartu dan satu ruang uang kertas", "Ukuran: 11 × 9 cm"],
        ["aksesoris", "dompet", "kulit"], vendor="Kulit Manding", stock=(2, 6), weight=120),
    DemoProduct(
        "Blangkon Gaya Yogyakarta", "BLK-YGY", "blangkon", "parang", "soga", 199_000,
        "Blangkon mondolan khas Yogyakarta dari kain batik parang, dibentuk dengan tangan. Pelengkap busana "
        "adat Jawa untuk pernikahan dan upacara.",
        ["Ukuran: lingkar kepala 55, 57 atau 59 cm", "Teknik: wiron tangan"],
        ["aksesoris", "blangkon", "pria"], options=[{"name": "Ukuran", "values": ["55", "57", "59"]}],
        low=1, weight=150),
    DemoProduct(
        "Dasi Batik Sutra Lereng", "DSI-LRG", "tie", "lereng", "indigo", 195_000,
        "Dasi sutra dengan motif lereng yang tenang, cara halus membawa batik ke setelan jas.",
        ["Bahan: sutra", "Lebar: 7 cm", "Dikemas dalam kotak hadiah"],
        ["aksesoris", "dasi", "pria"], options=[{"name": "Warna", "values": ["Biru Indigo", "Merah Marun"]}],
        weight=80),
    DemoProduct(
        "Tas Selempang Batik Ceplok", "TAS-CPL", "sling", "ceplok", "marun", 329_000,
        "Tas selempang mungil dengan tutup kulit dan badan kain batik ceplok. Cukup untuk ponsel, dompet dan "
        "kunci.",
        ["Ukuran: 22 × 16 × 7 cm", "Tali kulit dapat diatur", "Kancing magnet"],
        ["aksesoris", "tas", "wanita"], weight=300),
    # Rumah
    DemoProduct(
        "Sarung Bantal Batik Mega Mendung 45 × 45", "BTL-MGM", "cushion", "mega_mendung", "pesisir", 189_000,
        "Sarung bantal sofa dengan motif mega mendung yang sejuk, membawa suasana pesisir ke ruang keluarga.",
        ["Ukuran: 45 × 45 cm, tanpa isi", "Ritsleting tersembunyi", "Bahan: katun kanvas"],
        ["rumah", "dekorasi", "mega mendung", "promo"], vendor="Batik Trusmi Cirebon", compare_at=229_000,
        weight=200),
    DemoProduct(
        "Taplak Meja Batik Kawung", "TPL-KWG", "tablecloth", "kawung", "sage", 289_000,
        "Taplak meja makan dengan motif kawung hijau sage, untuk makan malam keluarga yang lebih istimewa.",
        ["Bahan: katun kanvas", "Tepi dijahit rapi", "Teknik: batik cap"],
        ["rumah", "taplak", "kawung"],
        options=[{"name": "Ukuran", "values": ["150 × 150 cm", "150 × 220 cm"]}],
        prices={"150 × 220 cm": 359_000}, weight=600),
    DemoProduct(
        "Runner Meja Lurik", "RNR-LRK", "runner", "lurik", "sage", 215_000,
        "Runner meja dari kain lurik tenun tangan, dengan rumbai di kedua ujungnya.",
        ["Ukuran: 180 × 35 cm", "Bahan: benang katun", "Teknik: tenun ATBM"],
        ["rumah", "lurik", "tenun"], vendor="Omah Lurik Klaten", weight=250),
    DemoProduct(
        "Hiasan Dinding Batik Tulis Truntum", "HDN-TRT", "frame", "truntum", "indigo", 850_000,
        "Selembar batik tulis truntum dalam bingkai kayu jati, siap digantung di ruang tamu.",
        ["Ukuran: 60 × 80 cm dengan bingkai", "Teknik: batik tulis", "Bingkai kayu jati Jepara"],
        ["rumah", "dekorasi", "batik tulis"], vendor="Batik Tulis Giriloyo", stock=(2, 2), weight=2_500,
        status="draft"),
]

COLLECTIONS = [
    {"title": "Kemeja Batik", "tags": {"kemeja", "blus", "outer"}, "image": ("shirt", "kawung", "soga"),
     "description": "Kemeja, blus dan outer batik untuk kantor, kondangan, dan Jumat batik."},
    {"title": "Kain & Selendang", "tags": {"kain", "selendang"}, "image": ("kain", "parang", "indigo"),
     "description": "Kain panjang batik tulis dan cap, lurik tenun, serta selendang katun dan sutra."},
    {"title": "Aksesoris & Rumah", "rules": [{"field": "tag", "relation": "equals", "value": "aksesoris"},
                                             {"field": "tag", "relation": "equals", "value": "rumah"}],
     "image": ("tote", "ceplok", "marun"),
     "description": "Tas, dompet, blangkon, dasi, dan sentuhan batik untuk rumah."},
    {"title": "Promo", "rules": [{"field": "tag", "relation": "equals", "value": "promo"}],
     "image": ("cushion", "truntum", "marun"),
     "description": "Pilihan batik dengan harga spesial, selama persediaan masih ada."},
]


def _description(item: DemoProduct) -> str:
    details = "".join(f"<li>{line}</li>" for line in item.details)
    return f"<p>{item.description}</p><ul>{details}{CARE}</ul>"


def _code(value: str) -> str:
    """An option value's part of a SKU: "Biru Indigo" -> "BI", "M" -> "M", "150 × 220 cm" -> "150220"."""
    words = value.replace("×", " ").replace("-", " ").split()
    if all(w.isdigit() or w in ("cm", "th") for w in words):
        return "".join(w for w in words if w.isdigit())
    return "".join(w[0] for w in words).upper() if len(words) > 1 else words[0].upper()


def _pictures(item: DemoProduct) -> list[tuple[str, str, object]]:
    """(key, alt text, a callable drawing the picture) for each image of the product, in order."""
    colours = next((o["values"] for o in item.options if o["name"] == "Warna"), None)
    palettes = [(c, COLOURS[c]) for c in colours] if colours else [(None, item.palette)]
    pictures = []
    for colour, palette in palettes:
        alt = f"{item.title}, {colour.lower()}" if colour else item.title
        pictures.append((colour or "", alt, (item.shape, item.motif, palette, f"{item.sku}:{palette}")))
    if item.detail_image:
        pictures.append(("detail", f"Detail motif {item.motif.replace('_', ' ')} pada {item.title}",
                         (None, item.motif, item.palette, f"{item.sku}:detail")))
    return pictures


def _draw(spec) -> bytes:
    shape, motif, palette, seed = spec
    if shape is None:
        return image_bytes(render_detail_image(motif, palette, seed, SIZE))
    return image_bytes(render_product_image(shape, motif, palette, seed, SIZE))


def seed_demo_catalog(tenant, user=None) -> int:
    """Fill the demo store's catalog; returns how many products were created (0 if it already had any).

    Flushes but doesn't commit, like the services it calls. The images are drawn on a second thread while
    the first one re-encodes and saves, since drawing and re-encoding them is most of the time this takes.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from saas.catalog import collections, services as catalog
    from saas.catalog.models import AdjustmentReason, CollectionKind, Product
    from saas.extensions import db
    from saas.storage.images import store_image
    from saas.tenants.scoping import bound_tenant

    with bound_tenant(tenant.id):
        if db.session.scalar(select(Product.id).limit(1)) is not None:
            return 0
        plan = [(item, _pictures(item)) for item in PRODUCTS]
        with ThreadPoolExecutor(max_workers=1) as pool:
            drawn = {(item.sku, key): pool.submit(_draw, spec) for item, pictures in plan for key, _, spec in pictures}
            covers = [pool.submit(_draw, (*c["image"], f"collection:{c['title']}")) for c in COLLECTIONS]
            products = {}
            for item, pictures in plan:
                products[item.sku] = _create(item, pictures, drawn, tenant, user, catalog, AdjustmentReason)
            for spec, cover in zip(COLLECTIONS, covers):
                media = store_image(tenant.id, cover.result(), "collection", catalog.IMAGE_WIDTHS,
                                    original_name=f"{catalog.slugify(spec['title'])}.jpg")
                fields = dict(title=spec["title"], description_html=f"<p>{spec['description']}</p>",
                              seo_title=f"{spec['title']} | {SHOP}", seo_description=spec["description"],
                              image_media_id=media.id)
                if "rules" in spec:
                    collections.save_collection(tenant, None, kind=CollectionKind.AUTOMATED, match_all=False,
                                                rules=spec["rules"], **fields)
                else:
                    collection = collections.save_collection(tenant, None, **fields)
                    collections.add_products(collection, [p.id for item, p in products.items()
                                                          if _item(item).collection in spec["tags"]])
        db.session.flush()
        return len(products)


def _item(sku: str) -> DemoProduct:
    return next(item for item in PRODUCTS if item.sku == sku)


def _create(item: DemoProduct, pictures, drawn, tenant, user, catalog, AdjustmentReason):
    rng = random.Random(f"demo-stock:{item.sku}")
    product = catalog.create_product(
        tenant, title=item.title, user=user, description_html=_description(item), status=item.status,
        vendor=item.vendor, tags=item.tags, options=item.options,
        seo_title=f"{item.title} | {SHOP}"[:255],
        seo_description=item.description.split(". ")[0].rstrip(".") + ".",
        default_variant=catalog.VariantValues(
            price=item.price * RUPIAH, compare_at_price=item.compare_at * RUPIAH if item.compare_at else None,
            weight_grams=item.weight),
    )
    images = {}
    for key, alt, _ in pictures:
        images[key] = catalog.add_image(product, drawn[(item.sku, key)].result(), f"{catalog.slugify(alt)}.jpg", alt)
    low = set(rng.sample(range(len(product.variants)), min(item.low, len(product.variants))))
    for index, variant in enumerate(list(product.variants)):
        values = variant.option_values
        stock = rng.randint(1, 3) if index in low else rng.randint(*item.stock)
        price = next((item.prices[v] for v in values if v in item.prices), None)
        image = next((images[v] for v in values if v in images), None)
        catalog.update_variant(
            variant,
            catalog.VariantValues(sku="-".join(["BS", item.sku, *map(_code, values)]),
                                  price=price * RUPIAH if price else None,
                                  barcode=f"899{rng.randrange(10**9, 10**10)}",
                                  cost=round(item.price * 0.55) * RUPIAH,
                                  image_id=image.id if image else None),
            tenant, stock=stock, user=user, reason=AdjustmentReason.INITIAL,
        )
    return product
