"""Draw the Teams app icons into appPackage/: ``python scripts/make_icons.py``.

Why drawn by code and not exported from an editor: the icons can be remade identically by
anyone with the pinned Pillow (requirements-dev.txt), and the test suite redraws them to
prove the committed PNGs are these. The glyph is a museum's front (pediment, four columns,
steps); Teams wants the colour icon 192x192 (full colour) and the outline icon 32x32,
white on transparent.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

APP_PACKAGE = Path(__file__).resolve().parent.parent / "appPackage"
ACCENT = (0, 85, 110)  # #00556E, also the manifest's accentColor
WHITE = (255, 255, 255)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
SUPERSAMPLE = 8

# The glyph on a unit square: (x0, y0, x1, y1) boxes and one triangle.
PEDIMENT = ((0.18, 0.40), (0.50, 0.16), (0.82, 0.40))
BOXES = (
    (0.18, 0.43, 0.82, 0.49),  # architrave
    (0.23, 0.52, 0.31, 0.74),  # four columns
    (0.38, 0.52, 0.46, 0.74),
    (0.54, 0.52, 0.62, 0.74),
    (0.69, 0.52, 0.77, 0.74),
    (0.14, 0.77, 0.86, 0.84),  # steps
)


def glyph_mask(size: int, scale: float = 1.0) -> Image.Image:
    """The glyph's coverage (L mode), antialiased by drawing large and scaling down."""
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    offset = (1 - scale) / 2

    def point(x: float, y: float) -> tuple[float, float]:
        return ((offset + x * scale) * big, (offset + y * scale) * big)

    draw.polygon([point(x, y) for x, y in PEDIMENT], fill=255)
    for x0, y0, x1, y1 in BOXES:
        draw.rectangle((point(x0, y0), point(x1, y1)), fill=255)
    return mask.resize((size, size), Image.Resampling.BOX)


def color_icon() -> Image.Image:
    """192x192: the white glyph on the accent colour, inside Teams' 120 px safe area."""
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), (*ACCENT, 255))
    white = Image.new("RGBA", image.size, (*WHITE, 255))
    return Image.composite(white, image, glyph_mask(COLOR_SIZE, scale=0.72))


def outline_icon() -> Image.Image:
    """32x32: white only, the glyph's coverage as alpha, transparent elsewhere."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    image.putalpha(glyph_mask(OUTLINE_SIZE))
    return image


def main() -> None:
    color_icon().save(APP_PACKAGE / "color.png", optimize=True)
    outline_icon().save(APP_PACKAGE / "outline.png", optimize=True)
    print(f"wrote {APP_PACKAGE / 'color.png'} and {APP_PACKAGE / 'outline.png'}")


if __name__ == "__main__":
    main()
