"""Progress of a local run's staging phase, watched from the driver while the workers run.

Workers need no channel back: a staged file appears (atomically) when its input
is done, and while one is being staged its worker keeps a small sidecar file
with the bytes read and documents found so far (`pipelines.stage._Progress`).
"""

from __future__ import annotations

import json
import os
import threading

from apache_beam.io.filesystems import FileSystems

from curation.progress import Progress

POLL_S = 0.5


class StageMonitor:
    """A thread that shows files and input bytes staged, documents so far, rate and ETA; `pending` counts the
    local inputs not staged yet (None when there are none to list)."""

    def __init__(self, patterns: list[str], staged_dir: str, label: str = "stage"):
        from curation.staged import input_key

        self.staged_dir, self.label = staged_dir, label
        self.inputs = {}  # staged path -> input size
        for result in FileSystems.match([p for p in patterns if "://" not in p]):
            for m in result.metadata_list:
                self.inputs[f"{staged_dir}/{input_key(m.path, m.size_in_bytes, m.last_updated_in_seconds)}"] = m.size_in_bytes
        self.candidates: dict[str, int] = {}
        self.partial: dict[str, dict] = {}
        listed = self.inputs and not any("://" in p for p in patterns)
        self.pending = sum(not os.path.exists(staged) for staged in self.inputs) if listed else None
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="progress", daemon=True)

    def start(self) -> None:
        self._poll()  # files staged by an earlier run count as done, not towards the rate
        self.progress = Progress(self.label, total=sum(self.inputs.values()) or None, start_done=self._done_bytes())
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join()
        self._poll()
        self.progress.close(self._done_bytes(), self._note())

    def _watch(self) -> None:
        while not self.stop_event.wait(POLL_S):
            self._poll()
            self.progress.update(self._done_bytes(), self._note())

    def _poll(self) -> None:
        from curation.staged import read_footer
        from pipelines.files import open_parquet

        self.partial: dict[str, dict] = {}
        for staged in self.inputs:
            if staged in self.candidates:
                continue
            if os.path.exists(staged):
                try:
                    self.candidates[staged] = read_footer(open_parquet(staged))["candidates"]
                except (OSError, ValueError, KeyError):
                    pass
                continue
            sidecar = f"{os.path.dirname(staged)}/.{os.path.basename(staged)}.progress"
            try:
                with open(sidecar) as f:
                    self.partial[staged] = json.load(f)
            except (OSError, ValueError):
                pass

    def _done_bytes(self) -> int:
        done = sum(self.inputs[s] for s in self.candidates)
        return done + sum(min(p.get("bytes", 0), self.inputs[s]) for s, p in self.partial.items())

    def _note(self) -> str:
        docs = sum(self.candidates.values()) + sum(p.get("candidates", 0) for p in self.partial.values())
        return f"{len(self.candidates)}/{len(self.inputs)} files  {docs:,} docs"


class PhaseMonitor:
    """A thread that shows a phase's elapsed time and what it works on (`note`), for phases without finer progress."""

    def __init__(self, label: str, note: str):
        self.label, self.note = label, note
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="progress", daemon=True)

    def start(self) -> None:
        self.progress = Progress(self.label, unit="")
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join()
        self.progress.close(0, self.note)

    def _watch(self) -> None:
        while not self.stop_event.wait(POLL_S):
            self.progress.update(0, self.note)


def phase_monitor(label: str, entries: list[dict], local: bool) -> "PhaseMonitor | None":
    """The monitor of the dedup or write phase of a local run (None elsewhere), from the run's manifest entries."""
    if not (local and entries):
        return None
    candidates = sum(e["candidates"] for e in entries)
    dropped = sum(e["dropped_rows"] for e in entries)
    what = f"{candidates:,} documents" if label == "dedup" else f"{candidates + dropped:,} documents from {len(entries)} staged files"
    return PhaseMonitor(label, what)
