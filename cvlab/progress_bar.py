"""The command line's one progress bar: a live line on a terminal, whole lines elsewhere."""

from __future__ import annotations

WIDTH = 24


class Bar:
    r"""A one-line progress bar on a terminal, fed :class:`cvlab.jobfolder.ProgressEvent`\ s.
    Elsewhere (a log file, a pipe) it prints a line when an event is ``final`` and, unless
    ``final_only``, whenever the text's head (up to its first colon) changes: one line per
    stage, or one per epoch for training."""

    def __init__(self, stream, final_only: bool = False):
        self.stream, self.final_only = stream, final_only
        self.live = stream.isatty()
        self.open = False
        self.last = ""

    def __call__(self, event) -> None:
        fraction, text, final = event.fraction, event.text, event.final
        filled = round(min(max(fraction, 0.0), 1.0) * WIDTH)
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {text}"
        head = text.split(":")[0]
        if self.live:
            print(f"\r\x1b[K{line}", end="\n" if final else "", file=self.stream, flush=True)
            self.open = not final
        elif final or (not self.final_only and (head != self.last or "error" in text)):
            print(line, file=self.stream, flush=True)
        self.last = head

    def close(self) -> None:
        if self.open:
            print(file=self.stream)
            self.open = False
