"""A progress bar for commands: one live line on a terminal, a line per stage elsewhere."""

from __future__ import annotations

WIDTH = 24


class Bar:
    """A one-line progress bar on a terminal; a line per change of text head elsewhere."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()
        self.open = False
        self.last = ""

    def __call__(self, fraction: float, text: str) -> None:
        filled = round(fraction * WIDTH)
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {text}"
        if self.live:
            print(f"\r\x1b[K{line}", end="", file=self.stream, flush=True)
            self.open = True
        elif text.split(":")[0] != self.last or "error" in text:
            print(line, file=self.stream, flush=True)
        self.last = text.split(":")[0]

    def close(self) -> None:
        if self.open:
            print(file=self.stream)
            self.open = False
