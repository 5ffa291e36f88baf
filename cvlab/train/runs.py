"""The run folder: what ``python -m cvlab train`` writes, and helpers to find and read it.

Contract (the trainer writes it; evaluation, prediction, export and the app read it)::

    run_dir/config.json     the TrainConfig (data_dir, mode, fine_tune_at, head_epochs,
                            epochs, image_size, batch_size, learning_rate, weights, seed,
                            val_fraction, test_fraction, augment (spec dict or null),
                            cache_features, cached_views, dropout,
                            train_per_class, model, model_file) plus
                            "weights_source" (dict), "class_names" and "device"; a run
                            of a model file also "model_file_head" (how its head was
                            replaced, or null when kept; cvlab.train.from_file)
    run_dir/classes.json    class names in label order
    run_dir/split.json      {"train": [[absolute path, label], …], "val": […], "test": […]}
    run_dir/history.json    one dict per epoch run, rewritten after every epoch:
                            {epoch (1-based), phase, loss, accuracy, val_loss, val_accuracy,
                             seconds, learning_rate, batches, partial}
    run_dir/checkpoints/last.keras      the training model after the latest epoch, with its
                                        optimizer (a cached head phase: the head alone; a
                                        cached fine-tune phase: the base above its cut and
                                        the head; see cvlab.train.prefix)
    run_dir/checkpoints/best.weights.h5 the training model's weights at the best epoch
    run_dir/checkpoints/state.json      {"epoch", "phase", "best_epoch", "best_val_accuracy",
                                         "best_val_loss", "best_partial", "finished",
                                         "stopped", "commit"}; written after the
                                        files it names (cvlab.train.checkpoints)
    run_dir/model.keras     ONE complete inference model from the best epoch (highest
                            val_accuracy, then lowest val_loss): float32 (image_size,
                            image_size, 3) RGB in 0..255 in, float32 softmax probabilities
                            over the classes out; the weights' preprocessing is inside it
                            (a built-in Normalization layer), augmentation is not.
    run_dir/STOP            (optional) created by anyone to ask a running trainer to stop

``phase`` is ``head`` (frozen base, head only), ``fine-tune`` (upper base layers unfrozen)
or ``train`` (every layer). An epoch cut short by a stop request is recorded with
``partial: true``; it is the best epoch only while no complete epoch exists
(``best_partial``). ``model.keras`` loads with ``safe_mode=True``. A run started as a job
(:mod:`cvlab.jobs`) also holds job.json, job.log and progress.json.

A run folder is untrusted input: :func:`read_run` passes it through
:mod:`cvlab.train.run_checks` (allowed roots, regular files, size limits, every path in
``split.json`` and ``config.json``), and :func:`list_runs` lists a run that fails as
damaged, with the reason, reading nothing else from it.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cvlab import jobfolder, lazy_tf
from cvlab.errors import CvlabError
from cvlab.folders import new_folder
from cvlab.train import run_checks

SUBSETS = ("train", "val", "test")


@dataclass(frozen=True)
class RunPaths:
    """Every file of a run folder, by role."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / jobfolder.CONFIG

    @property
    def classes(self) -> Path:
        return self.root / jobfolder.CLASSES

    @property
    def split(self) -> Path:
        return self.root / jobfolder.SPLIT

    @property
    def history(self) -> Path:
        return self.root / jobfolder.HISTORY

    @property
    def model(self) -> Path:
        return self.root / jobfolder.MODEL

    @property
    def stop(self) -> Path:
        return self.root / jobfolder.STOP

    @property
    def checkpoints(self) -> Path:
        return self.root / jobfolder.CHECKPOINTS

    @property
    def last(self) -> Path:
        return self.root / jobfolder.LAST_CHECKPOINT

    @property
    def best(self) -> Path:
        return self.root / jobfolder.BEST_CHECKPOINT

    @property
    def state(self) -> Path:
        return self.root / jobfolder.STATE


@dataclass
class RunRecord:
    """What a run folder holds, read back (the model is not loaded)."""

    path: Path
    config: dict
    class_names: list[str]
    split: dict[str, list[tuple[Path, int]]]
    history: list[dict] = field(default_factory=list)
    state: dict | None = None
    damaged: str = ""  # why the folder failed a check ("" when it passed); nothing else read

    @property
    def paths(self) -> RunPaths:
        return RunPaths(self.path)

    @property
    def model_path(self) -> Path:
        return self.paths.model

    @property
    def finished(self) -> bool:
        return bool(self.state and self.state.get("finished"))


def default_run_dir(mode: str, base: str | os.PathLike | None = None,
                    now: _dt.datetime | None = None) -> Path:
    """A new, empty ``<base or cwd>/runs/<YYYYmmdd-HHMMSS>-<mode>`` (``-2``… if taken)."""
    return new_folder(Path(base or Path.cwd()) / "runs", mode, now)


def split_to_json(parts) -> dict[str, list[list]]:
    """A :class:`cvlab.data.Split` as split.json's ``{subset: [[abs path, label], …]}``."""
    return {name: [[str(Path(p).resolve()), int(label)] for p, label in
                   zip(getattr(parts, name).paths, getattr(parts, name).labels, strict=True)]
            for name in SUBSETS}


def read_run(run_dir: str | os.PathLike) -> RunRecord:
    """Read a run folder's JSON files through :mod:`cvlab.train.run_checks`.

    :class:`CvlabError` if it is not a run folder, or a
    :class:`~cvlab.train.run_checks.DamagedRun` saying which check it failed.
    """
    root = run_checks.checked_run_dir(run_dir)
    paths = RunPaths(root)
    raw_config = run_checks.read_json(root, paths.config)
    if raw_config is None:
        raise CvlabError(f"Received: {run_dir} without config.json; allowed: a folder made "
                         "by `python -m cvlab train`.")
    config = run_checks.checked_config(raw_config)
    class_names = run_checks.read_json(root, paths.classes) or config.get("class_names") or []
    if not (isinstance(class_names, list) and all(isinstance(n, str) for n in class_names)):
        raise run_checks.DamagedRun("classes.json is not a list of class names.")
    split = run_checks.checked_split(run_checks.read_json(root, paths.split, {}), SUBSETS,
                                     len(class_names), run_checks.allowed_roots())
    history = run_checks.read_json(root, paths.history, [])
    state = run_checks.read_json(root, paths.state)
    if not (isinstance(history, list) and all(isinstance(h, dict) for h in history)):
        raise run_checks.DamagedRun("history.json is not a list of epochs.")
    if state is not None and not isinstance(state, dict):
        raise run_checks.DamagedRun("checkpoints/state.json is not an object.")
    return RunRecord(root, config, list(class_names), split, history, state)


def list_runs(base: str | os.PathLike) -> list[RunRecord]:
    """Every run folder directly under ``base``, newest first (by config.json time).

    Folders without a config.json are not runs and are left out. A run that fails a check
    of :mod:`cvlab.train.run_checks` is listed with ``damaged`` set to the reason and
    nothing else read from it.
    """
    folder = Path(base).expanduser()
    found = []
    for child in folder.iterdir() if folder.is_dir() else ():
        config = RunPaths(child).config
        if not (child.is_dir() and (config.is_file() or config.is_symlink())):
            continue
        try:
            found.append((config.lstat().st_mtime, read_run(child)))
        except CvlabError as exc:
            found.append((child.lstat().st_mtime, RunRecord(
                child.absolute(), {}, [], {name: [] for name in SUBSETS}, damaged=str(exc))))
    return [record for _, record in sorted(found, key=lambda item: -item[0])]


def model_file(run_dir: str | os.PathLike) -> Path:
    """The run's ``model.keras``; :class:`CvlabError` when the run has none (yet)."""
    path = RunPaths(run_checks.checked_run_dir(run_dir)).model
    if not run_checks.is_plain_file(path):  # a link or a pipe is not the trainer's file
        raise CvlabError(f"Received: run folder {path.parent} without model.keras (no epoch "
                         "has finished); allowed: a run that finished at least one epoch, "
                         "which saves model.keras.")
    return path


def load_run_model(run_dir: str | os.PathLike):
    """The run's complete ``model.keras``, loaded with ``safe_mode=True`` and uncompiled."""
    return load_keras_file(model_file(run_dir))


def load_keras_file(path: Path):
    """A ``.keras`` file loaded with ``safe_mode=True``, uncompiled; a clear error if not."""
    keras = lazy_tf.keras()
    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise CvlabError(f"Received: {path} that Keras cannot load in safe mode "
                         f"({type(exc).__name__}: {str(exc)[:200]}); allowed: a .keras file "
                         "saved by cvlab (no custom Python code).") from None
