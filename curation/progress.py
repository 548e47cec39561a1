"""Progress on stderr: a line redrawn in place on a terminal, a plain line every 30 seconds otherwise (logs, CI).

    stage  [#########...........]  45%  1.2/2.7 GB  3 of 8 files  12,345 docs  21.3 MB/s  ETA 1:10
"""

from __future__ import annotations

import sys
import time

BAR_WIDTH = 20
REDRAW_S = 0.2
LINE_EVERY_S = 30.0


def _size(n: float, unit: str) -> str:
    if unit != "B":
        return f"{n:,.0f} {unit}"
    for scale, name in ((2**30, "GB"), (2**20, "MB"), (2**10, "KB")):
        if n >= scale:
            return f"{n / scale:.1f} {name}"
    return f"{n:.0f} B"


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """`update(done, note)` as often as you like; `close()` at the end. `total` None: no bar, no ETA;
    `unit` "": no count either (a phase without finer progress shows its note and elapsed time).

    Rate and ETA count only what was done after `start_done` (work found already done, e.g. reused files).
    """

    def __init__(self, label: str, total: float | None = None, unit: str = "B", *, start_done: float = 0.0,
                 stream=None, every: float = LINE_EVERY_S):
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = REDRAW_S if self.tty else every
        self.start_done, self.started = start_done, time.monotonic()
        self.last_shown = self.started if not self.tty else 0.0
        self.width = 0

    def line(self, done: float, note: str = "") -> str:
        elapsed = time.monotonic() - self.started
        rate = (done - self.start_done) / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.label:<6}"]
        if self.total:
            share = min(1.0, done / self.total)
            filled = int(share * BAR_WIDTH)
            parts += [f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]", f"{100 * share:3.0f}%",
                      f"{_size(done, self.unit)}/{_size(self.total, self.unit)}"]
        elif self.unit:
            parts.append(_size(done, self.unit))
        if note:
            parts.append(note)
        if rate > 0 and self.unit:
            parts.append(f"{_size(rate, self.unit)}/s")
            if self.total and done < self.total:
                parts.append(f"ETA {_clock((self.total - done) / rate)}")
        parts.append(f"({_clock(elapsed)})")
        return "  ".join(parts)

    def update(self, done: float, note: str = "") -> None:
        now = time.monotonic()
        if now - self.last_shown < self.every:
            return
        self.last_shown = now
        text = self.line(done, note)
        if self.tty:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self, done: float | None = None, note: str = "") -> None:
        """On a terminal, the final state stays on its line."""
        if self.tty:
            if done is not None:
                self.last_shown = 0.0
                self.update(done, note)
            self.stream.write("\n")
            self.stream.flush()
