"""Scan a folder-per-class image tree and report exactly what is usable.

Layout: ``root/<class name>/**/<image>``. Each top-level sub-folder is a class (its
label index is its position in the sorted class names, as in Keras); images in nested
folders belong to the top-level class. Files directly under ``root`` are not used.

Every candidate file is fully decoded (in a thread pool; PIL releases the GIL while
decoding), so a truncated JPEG is caught here and never reaches training. Hidden and
system debris (``.DS_Store``, ``._*``, ``__MACOSX/``, ``Thumbs.db``…) is ignored
silently; every other file is either used, used after a noted conversion, or skipped
with a reason (see :mod:`cvlab.data.images`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from cvlab.data.images import CORRUPT, MAX_PIXELS, Rejected, decode
from cvlab.data.names import readable
from cvlab.data.roots import check_path_text
from cvlab.errors import CvlabError

SYSTEM_NAMES = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini", "@eaDir", "$RECYCLE.BIN"})
LINK_OUTSIDE = "link outside the folder"
TINY_CLASS = 10  # a class with fewer usable images than this gets a warning
IMBALANCE_RATIO = 3.0  # largest / smallest class at or above this gets a warning
_SCAN_HINT = (32, 32)  # JPEGs are scanned at reduced DCT scale: whole stream, fewer pixels


@dataclass(frozen=True)
class Skipped:
    """A file left out: ``reason`` is a short category, ``detail`` says why exactly."""

    path: Path
    reason: str
    detail: str


@dataclass(frozen=True)
class Converted:
    """A usable file that needed work to become RGB; ``note`` says what was done."""

    path: Path
    note: str

    @property
    def kind(self) -> str:
        """The note without file-specific counts, so files converted alike share a kind."""
        return re.sub(r"animation with \d+ frames", "animation", self.note)


@dataclass
class ScanReport:
    """What :func:`scan` found. Paths are absolute; ``files`` holds only usable images.

    ``files`` is a list of ``(path, label_index)``, where ``label_index`` indexes
    ``class_names`` (sorted). ``classes`` maps each class name to its usable count.
    """

    root: Path
    class_names: list[str]
    files: list[tuple[Path, int]]
    skipped: list[Skipped] = field(default_factory=list)
    converted: list[Converted] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    duplicates: list[list[Path]] = field(default_factory=list)

    @property
    def classes(self) -> dict[str, int]:
        counts = Counter(label for _, label in self.files)
        return {name: counts[i] for i, name in enumerate(self.class_names)}

    @property
    def images(self) -> int:
        return len(self.files)

    def relative(self, path: Path) -> str:
        """``path`` relative to the scanned root, with forward slashes, as text
        (:func:`~cvlab.data.names.readable`)."""
        return readable(path.relative_to(self.root).as_posix())

    def conversion_kinds(self) -> list[tuple[str, list[Path]]]:
        """Converted files grouped by :attr:`Converted.kind`, the rarest kind first."""
        groups: dict[str, list[Path]] = defaultdict(list)
        for c in self.converted:
            groups[c.kind].append(c.path)
        return sorted(groups.items(), key=lambda item: (len(item[1]), item[0]))

    def files_of(self, class_name: str) -> list[Path]:
        label = self.class_names.index(class_name)
        return [path for path, index in self.files if index == label]

    def to_dict(self) -> dict:
        """The JSON contract; every path in it is relative to ``root``."""
        return {
            "root": str(self.root),
            "classes": self.classes,
            "images": self.images,
            "skipped": [
                {"path": self.relative(s.path), "reason": s.reason, "detail": s.detail}
                for s in self.skipped
            ],
            "converted": [{"path": self.relative(c.path), "note": c.note} for c in self.converted],
            "duplicates": [[self.relative(p) for p in group] for group in self.duplicates],
            "warnings": list(self.warnings),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_record(self) -> dict:
        """Everything, absolute paths included, for :meth:`from_record` in another
        process (JSON; a name's undecodable bytes survive as surrogate escapes)."""
        return {"root": str(self.root), "class_names": self.class_names,
                "files": [[str(p), i] for p, i in self.files],
                "skipped": [[str(s.path), s.reason, s.detail] for s in self.skipped],
                "converted": [[str(c.path), c.note] for c in self.converted],
                "warnings": self.warnings, "ignored": [str(p) for p in self.ignored],
                "duplicates": [[str(p) for p in group] for group in self.duplicates]}

    @classmethod
    def from_record(cls, data: dict) -> ScanReport:
        return cls(Path(data["root"]), list(data["class_names"]),
                   [(Path(p), int(i)) for p, i in data["files"]],
                   [Skipped(Path(p), r, d) for p, r, d in data["skipped"]],
                   [Converted(Path(p), n) for p, n in data["converted"]],
                   list(data["warnings"]), [Path(p) for p in data["ignored"]],
                   [[Path(p) for p in group] for group in data["duplicates"]])


Progress = Callable[[int, int], None]


def scan(
    root: str | os.PathLike,
    *,
    max_pixels: int = MAX_PIXELS,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan ``root`` and return a :class:`ScanReport`, or raise :class:`CvlabError`.

    Raises when the folder is missing, holds no class folders, no usable image, or
    only one class with usable images, or when ``max_pixels`` is above the app's
    :data:`~cvlab.data.images.MAX_PIXELS` (a scan may be stricter, never looser).
    ``progress(done, total)`` is called from the calling thread as files finish.
    """
    if not 0 < max_pixels <= MAX_PIXELS:
        raise CvlabError(f"Received: a pixel limit of {max_pixels:,}; allowed: 1 to "
                         f"{MAX_PIXELS:,} (the app's limit, MAX_PIXELS).")
    root = _checked_root(root)
    class_dirs, candidates, ignored, loose, outside = _walk(root)
    if not class_dirs:
        raise CvlabError(
            f"{root} has no class folders. Put images in one sub-folder per class, "
            f"e.g. {root / 'cat'}/*.jpg and {root / 'dog'}/*.jpg."
        )
    results = _inspect_all(root, candidates, max_pixels, workers, progress)

    skipped, converted, usable, digests = [], [], defaultdict(list), {}
    for path, class_name, outcome, digest in sorted(results, key=lambda r: r[0]):
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
            continue
        usable[class_name].append(path)
        digests[path] = digest
        if outcome:
            converted.append(Converted(path, "; ".join(outcome)))

    class_names = sorted(usable)
    warnings = _outside_warnings(outside) + _nested_datasets_warning(root, candidates)
    _require_two_classes(root, class_names, usable, skipped, hint=" ".join(warnings))
    warnings += _loose_and_empty(root, loose, class_dirs, class_names)
    files = [(p, i) for i, name in enumerate(class_names) for p in usable[name]]
    report = ScanReport(root, class_names, files, skipped, converted, warnings, ignored)
    report.warnings += _balance_warnings(report.classes)
    report.duplicates = _duplicate_groups(digests)
    report.warnings += _duplicate_warnings(report)
    return report


def tree_stamp(root: str | os.PathLike) -> float:
    """Latest modification time of ``root`` and its folders: a cheap cache key.

    Raises :class:`CvlabError`, as :func:`scan` does, when ``root`` is not a folder.

    Adding, removing or renaming a file changes its folder's mtime; rewriting a
    file in place does not, so a cache keyed on this can miss in-place edits.
    """
    root = _checked_root(root)  # a bad path is a message here too, not an OSError
    stamps = [os.stat(root).st_mtime]
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _is_debris(d)]
        stamps += [os.stat(os.path.join(dirpath, d)).st_mtime for d in dirnames]
    return max(stamps)


def _checked_root(root: str | os.PathLike) -> Path:
    check_path_text(os.fspath(root), "dataset folder")
    path = Path(root).expanduser()
    if not path.exists():
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise CvlabError(f"{path} cannot exist: {blocker} is a file, not a folder. Give "
                             "the path of a folder that holds one sub-folder per class.")
        raise CvlabError(
            f"{path} does not exist. Give the path of a folder that holds one sub-folder "
            "per class."
        )
    if not path.is_dir():
        raise CvlabError(f"{path} is a file, not a folder. Give the folder that holds the classes.")
    return path.resolve()


def _is_debris(name: str) -> bool:
    return name.startswith(".") or name in SYSTEM_NAMES


def _walk(root: Path):
    """Class folders, (path, class) candidates, ignored debris and loose root files.

    A class is named by its folder's name as text (:func:`~cvlab.data.names.readable`);
    two folders that read the same get " (2)", " (3)"… after the second. A class folder
    that is a link out of ``root`` is not walked (``outside``: its files would all be
    skipped as links outside the folder, after listing maybe 100,000 names); links below a
    class folder are not followed (``os.walk``'s default)."""
    class_dirs, candidates, ignored, loose, outside = [], [], [], [], []
    for entry in sorted(root.iterdir()):
        if _is_debris(entry.name):
            ignored.append(entry)
        elif entry.is_dir() and entry.is_symlink() and not _inside(entry, root):
            outside.append(entry)  # checked before walking: not one name of it is listed
        elif entry.is_dir():
            name = _unique(readable(entry.name), class_dirs)
            class_dirs.append(name)
            for dirpath, dirnames, filenames in os.walk(entry):
                here = Path(dirpath)
                ignored += [here / d for d in dirnames if _is_debris(d)]
                dirnames[:] = sorted(d for d in dirnames if not _is_debris(d))
                for file_name in sorted(filenames):
                    if _is_debris(file_name):
                        ignored.append(here / file_name)
                    else:
                        candidates.append((here / file_name, name))
        else:
            loose.append(entry)
    return class_dirs, candidates, ignored, loose, outside


def _inside(link: Path, root: Path) -> bool:
    return link.resolve().is_relative_to(root.resolve())


def _outside_warnings(outside: list[Path]) -> list[str]:
    return [f"Folder '{readable(p.name)}' is a link to a place outside the dataset folder, "
            "so it was not read." for p in outside]


def _unique(name: str, taken: list[str]) -> str:
    index, unique = 2, name
    while unique in taken:
        unique, index = f"{name} ({index})", index + 1
    return unique


def _inspect_all(root, candidates, max_pixels, workers, progress):
    """[(path, class, Skipped | notes tuple, digest)] for every candidate, in parallel."""
    workers = workers or min(32, 4 * (os.cpu_count() or 1))
    results = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cvlab-scan") as pool:
        futures = [pool.submit(_inspect, root, path, max_pixels) for path, _ in candidates]
        owner = {future: candidates[i] for i, future in enumerate(futures)}
        for done, future in enumerate(as_completed(futures), start=1):
            path, class_name = owner[future]
            outcome, digest = future.result()
            results.append((path, class_name, outcome, digest))
            if progress is not None:
                progress(done, len(futures))
    return results


def _inspect(root: Path, path: Path, max_pixels: int):
    if not path.resolve().is_relative_to(root):
        return Skipped(path, LINK_OUTSIDE, f"points to {path.resolve()}, outside {root}"), ""
    try:  # every pixel decoded, no RGB copy built
        notes = decode(path, max_pixels=max_pixels, size_hint=_SCAN_HINT, convert=False).notes
    except Rejected as exc:
        return Skipped(path, exc.kind, exc.detail), ""
    try:
        digest = _digest(path)
    except OSError as exc:
        return Skipped(path, CORRUPT, f"cannot read the file ({exc.strerror})"), ""
    return notes, digest


def _digest(path: Path) -> str:
    """BLAKE2b of the file, streamed (a large file is never held in memory whole)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _loose_and_empty(root, loose, class_dirs, class_names) -> list[str]:
    warnings = []
    if loose:
        names = ", ".join(readable(p.name) for p in loose[:3]) + (" …" if len(loose) > 3 else "")
        warnings.append(
            f"{len(loose)} file(s) directly in {root.name}/ are not used ({names}): "
            "only files inside a class folder get a label."
        )
    for name in sorted(set(class_dirs) - set(class_names)):
        warnings.append(f"Folder '{name}' has no usable image, so it is not a class.")
    return warnings


def _require_two_classes(root, class_names, usable, skipped, hint: str = "") -> None:
    if not class_names:
        reasons = Counter(s.reason for s in skipped)
        summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common()) or "no files"
        raise CvlabError(
            f"{root} has no usable image ({summary}). Put JPEG or PNG images in "
            "one sub-folder per class."
        )
    if len(class_names) == 1:
        name = class_names[0]
        raise CvlabError(
            f"{root} has a single class ('{name}', {len(usable[name])} images); a classifier "
            "needs at least two. Add a second sub-folder with images of another class."
            + (f" {hint}" if hint else "")
        )


def _balance_warnings(classes: dict[str, int]) -> list[str]:
    warnings = [
        f"Class '{name}' has only {n} image(s): too few to learn from or to validate on; "
        f"aim for at least {TINY_CLASS}, ideally hundreds."
        for name, n in classes.items()
        if n < TINY_CLASS
    ]
    largest = max(classes, key=classes.get)
    smallest = min(classes, key=classes.get)
    ratio = classes[largest] / classes[smallest]
    if ratio >= IMBALANCE_RATIO:
        warnings.append(
            f"Class imbalance: '{largest}' has {classes[largest]} images, '{smallest}' has "
            f"{classes[smallest]} ({ratio:.1f}×). Plain accuracy will flatter the big class; "
            "look at per-class results or use class weights."
        )
    return warnings


def _duplicate_groups(digests: dict[Path, str]) -> list[list[Path]]:
    """Usable files with identical bytes, as sorted groups of two or more paths."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for path, digest in digests.items():
        groups[digest].append(path)
    return sorted(sorted(paths) for paths in groups.values() if len(paths) > 1)


def _duplicate_warnings(report: ScanReport) -> list[str]:
    """One warning for all cross-class sets and one for all within-class sets."""
    label_of = dict(report.files)
    across, within = [], []
    for group in report.duplicates:
        names = ", ".join(report.relative(p) for p in group)
        (across if len({label_of[p] for p in group}) > 1 else within).append(names)
    warnings = []
    if across:
        warnings.append(
            f"Duplicate across classes: {len(across)} set(s) of byte-identical files carry "
            f"different labels (e.g. {across[0]}); at least one label in each set is wrong, "
            "so remove or relabel them."
        )
    if within:
        warnings.append(
            f"{len(within)} set(s) of byte-identical duplicates within a class (e.g. "
            f"{within[0]}): the split keeps each set in one subset so validation stays "
            "honest, but each copy still counts again in training."
        )
    return warnings


def _nested_datasets_warning(root: Path, candidates) -> list[str]:
    """A warning when every class folder holds only sub-folders of images, two or more
    each: the folder then looks like a folder of whole datasets, not of classes."""
    inner: dict[str, set[str]] = defaultdict(set)
    direct: set[str] = set()
    for path, class_name in candidates:
        parts = path.relative_to(root).parts[1:]  # below the class folder
        if len(parts) == 1:
            direct.add(class_name)
        else:
            inner[class_name].add(readable(parts[0]))
    nested = sorted(name for name, subs in inner.items() if len(subs) >= 2)
    if not nested or direct or len(nested) < len(inner):
        return []
    first = nested[0]
    subs = ", ".join(f"{first}/{s}/" for s in sorted(inner[first])[:3])
    return [
        f"The sub-folders of {root.name}/ look like whole datasets rather than classes: "
        f"each holds class-like folders of its own (e.g. {subs}). Each sub-folder becomes "
        f"ONE class here; to train on one dataset, point at it instead (e.g. {root / first})."
    ]


def class_folders(folder: str | os.PathLike) -> int:
    """How many class sub-folders ``folder`` has (hidden and system folders aside), as
    ``image_dataset_from_directory`` will find them."""
    return sum(1 for entry in os.scandir(folder) if entry.is_dir()
               and not entry.name.startswith((".", "__")))
