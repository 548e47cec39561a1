"""Screenshot a report page with headless Chromium, to look at it without a desktop.

    python tools/render_report.py out/report.html report.png [--width 1280] [--max-height 16000]

Needs Debian's `chromium` (apt-get install -y chromium; not in CI). Chromium
captures only its window, so the window is made tall and the empty page
background below the last section is trimmed, which gives a full-page image.
Exit status 2 when no Chromium is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def screenshot(page: Path, png: Path, width: int = 1280, max_height: int = 16000, timeout: float = 120) -> None:
    """Render `page` into `png` (full page up to `max_height` pixels); raises RuntimeError if Chromium fails."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError("no Chromium found (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="render_report_") as profile:
        cmd = [
            browser, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", f"--user-data-dir={profile}", f"--window-size={width},{max_height}",
            f"--screenshot={png.resolve()}", page.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    _trim_bottom(png)


def _trim_bottom(png: Path, margin: int = 24) -> None:
    """Cut the run of rows below the content that only show the page background (the bottom-left pixel)."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((0, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    if box is not None and box[3] + margin < rgb.height:
        rgb.crop((0, 0, rgb.width, box[3] + margin)).save(png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path, help="the report HTML file, e.g. out/report.html")
    parser.add_argument("png", type=Path, help="where to write the screenshot")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels (default: 1280)")
    parser.add_argument("--max-height", type=int, default=16000,
                        help="window height; pages longer than this are cut (default: 16000)")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"no such page: {args.page}", file=sys.stderr)
        return 1
    try:
        screenshot(args.page, args.png, args.width, args.max_height)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 2
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(e, file=sys.stderr)
        return 1
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
