"""A small sampling profiler for one thread (py-spy is not installed on these machines).

Why beside cProfile: cProfile counts every resume of a coroutine as a call and
inflates small functions, so its cumulative figures for async code are not
per-turn costs. Sampling the event loop's thread every half millisecond and
counting each function once per sample in which it is on the stack gives the
share of the wall time spent inside it, awaited children included.
"""

from __future__ import annotations

import collections
import re
import sys
import threading
from types import FrameType

ROOT = str(__import__("pathlib").Path(__file__).resolve().parents[1]) + "/"


def _name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    if path.startswith(ROOT):
        path = path[len(ROOT) :]
    else:
        path = path.split("site-packages/")[-1].split("lib/python3.11/")[-1]
    return f"{path}:{code.co_name}"


class Sampler:
    """Samples the stack of the thread that created it, from a thread of its own."""

    def __init__(self, interval: float = 0.0005) -> None:
        self._interval = interval
        self._thread_id = threading.get_ident()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._run, daemon=True)
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.own: collections.Counter[str] = collections.Counter()
        self.others: collections.Counter[str] = collections.Counter()
        """What the other threads (aiosqlite's, the executor's) were doing, by their top frame."""
        self.samples = 0

    def _run(self) -> None:
        mine = threading.get_ident()
        while not self._stop.wait(self._interval):
            frames = sys._current_frames()
            self.samples += 1
            for thread_id, frame in frames.items():
                if thread_id != self._thread_id and thread_id != mine:
                    self.others[_name(frame)] += 1
            frame = frames.get(self._thread_id)
            if frame is None:
                continue
            self.own[_name(frame)] += 1
            seen: set[str] = set()
            while frame is not None:
                name = _name(frame)
                if name not in seen:
                    seen.add(name)
                    self.inclusive[name] += 1
                frame = frame.f_back

    def __enter__(self) -> Sampler:
        # The sampling thread only runs when the loop's thread lets go of the GIL, every 5 ms
        # by default and whenever it waits for I/O: samples would gather at the waits.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(self._interval / 5)
        self._worker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._worker.join()
        sys.setswitchinterval(self._switch_interval)

    def report(self, wall_ms_per_turn: float, top: int = 50, pattern: str | None = None) -> str:
        """Each function's share of the samples, as milliseconds of one turn's wall time."""
        scale = wall_ms_per_turn / max(1, self.samples)
        lines = [f"{self.samples} samples; ms per turn, inside the function (inclusive) / on top (own)"]
        shown = 0
        for name, count in self.inclusive.most_common():
            if pattern is not None and not re.search(pattern, name):
                continue
            lines.append(f"{count * scale:8.2f} / {self.own.get(name, 0) * scale:6.2f}  {name}")
            shown += 1
            if shown >= top:
                break
        lines.append("other threads, on top:")
        for name, count in self.others.most_common(12):
            lines.append(f"{count * scale:8.2f}  {name}")
        return "\n".join(lines)
