"""`python -m cvlab train DIR --mode MODE`: transfer-learn MobileNetV2 on a folder of classes.

Writes a run folder (config, split, history, checkpoints, model.keras; see
``cvlab.train.runs``). Progress goes to stderr; Ctrl-C (or a file named STOP in the run
folder) stops after the current batch and keeps the best epoch's model; ``--resume
RUN_DIR`` continues a stopped or failed run. Exit 2 on bad input, 1 if training fails.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path

from cvlab import jobfolder
from cvlab.atomic import read_json
from cvlab.cli import allowed
from cvlab.errors import CvlabError
from cvlab.progress_bar import Bar
from cvlab.report import count
from cvlab.train.config import (
    DEFAULT_FINE_TUNE_AT,
    DEFAULT_LEARNING_RATE,
    DEFAULTS,
    FINE_TUNE_FACTOR,
    TrainConfig,
)
from cvlab.train.modes import cli_help
from cvlab.train.run import TrainingFailed, resume, train
from cvlab.train.runs import default_run_dir, read_run
from cvlab.train.time_left import TimeLeft, plan_of

#: Options that describe a new run; with --resume only --epochs may be given.
RUN_OPTIONS = ("mode", "model", "model_file", "fine_tune_at", "head_epochs", "image_size",
               "batch_size", "learning_rate", "weights", "seed", "val_fraction", "test_fraction",
               "augment", "cached_views", "train_per_class", "dropout", "out")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="transfer-learn MobileNetV2 on a folder-per-class dataset",
        description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("data_dir", metavar="DIR", nargs="?",
                        help="folder with one sub-folder per class")
    d, rates = DEFAULTS, DEFAULT_LEARNING_RATE
    parser.add_argument("--mode", help=cli_help() + f" (default {d['mode']})")
    parser.add_argument("--model", metavar="NAME",
                        help=f"{d['model']} (default), or with --mode scratch any zoo network "
                        "(python -m cvlab models), e.g. resnet50")
    parser.add_argument("--model-file", metavar="PATH",
                        help="train your own Keras model file (.keras or .h5) instead: "
                        "--mode full (the default with a model file) goes on training its "
                        "weights, every layer; its head is replaced when the folder's "
                        "classes differ; the image size follows the model")
    parser.add_argument("--from-scratch", action="store_true",
                        help="with --model-file: its architecture with fresh weights "
                        "(= --mode scratch)")
    parser.add_argument("--epochs", type=int, help=f"epochs in all (default {d['epochs']})")
    parser.add_argument("--fine-tune-at", type=int, metavar="N",
                        help=f"fine-tune: unfreeze base layers from index N up (default "
                        f"{DEFAULT_FINE_TUNE_AT}; the base has 155 layers with torchvision "
                        "weights, 154 with Keras')")
    parser.add_argument("--head-epochs", type=int, metavar="N",
                        help="fine-tune: epochs with the base frozen first (default half)")
    parser.add_argument("--image-size", type=int, metavar="S",
                        help=f"square side (default {d['image_size']})")
    parser.add_argument("--batch-size", type=int, metavar="B", help=f"default {d['batch_size']}")
    parser.add_argument("--learning-rate", type=float, metavar="LR",
                        help=f"default {rates['frozen']:g} (full: {rates['full']:g}); "
                        f"fine-tune continues at LR×{FINE_TUNE_FACTOR:g}")
    parser.add_argument("--weights", help="imagenet (default; none for scratch) | "
                        "imagenet-keras | none | PATH")
    parser.add_argument("--seed", type=int,
                        help=f"split and training seed (default {d['seed']})")
    parser.add_argument("--val-fraction", type=float, help=f"default {d['val_fraction']}")
    parser.add_argument("--test-fraction", type=float,
                        help="test split, never seen in training or model selection; "
                        f"evaluate reports it (default {d['test_fraction']})")
    parser.add_argument("--train-per-class", type=int, metavar="N",
                        help="train on a seeded sample of N images per class (val and test "
                        "stay whole)")
    parser.add_argument("--augment", metavar="PIPELINE.json",
                        help="augmentation pipeline exported by the studio (a file, or its "
                        "JSON text)")
    parser.add_argument("--dropout", type=float, metavar="P",
                        help=f"dropout before the new head (default {d['dropout']})")
    parser.add_argument("--cached-views", type=int, metavar="K",
                        help="frozen/fine-tune + augment: augmented views of the training "
                        "set to cache for the head phase")
    parser.add_argument("--no-feature-cache", action="store_true",
                        help="frozen/fine-tune: recompute the base in every head epoch (as "
                        "the TF tutorial)")
    parser.add_argument("--out", metavar="RUN_DIR", help="default runs/<timestamp>-<mode>")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped or failed run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run, spec=spec_from_args)


def run(args) -> int:
    stop = threading.Event()
    bar = Bar(sys.stderr, final_only=True)
    previous = _stop_on_sigint(stop)
    try:
        if args.resume:
            _check_resume_args(args)
            read_run(args.resume)  # a clear error before progress.json is written there
            report = JobProgress(args.resume, bar)
            result = resume(args.resume, report, stop, epochs=args.epochs)
        else:
            config = spec_from_args(args)
            run_dir = Path(args.out) if args.out else default_run_dir(config.mode)
            report = JobProgress(run_dir, bar)
            result = train(config, report, stop, run_dir=run_dir)
    except TrainingFailed as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, previous)
    bar.close()
    report.done(result)
    print(json.dumps(result.to_json()) if args.json else render(result))
    return 0


class JobProgress:
    """Progress to the terminal bar and to the run folder's progress.json (the job
    protocol), with a timeline of unix times: ``command`` (this command began),
    ``first_batch`` and ``first_epoch`` (ended)."""

    def __init__(self, run_dir, bar):
        from cvlab.jobfolder import Reporter

        self.bar, self.timeline, self.fraction = bar, {"command": time.time()}, 0.0
        self.run_dir, self.time_left = Path(run_dir), None
        self.reporter = Reporter(run_dir)
        self.reporter(0.0, "starting: reading the images, loading TensorFlow",
                      stage="starting", timeline=self.timeline)

    def __call__(self, event) -> None:
        self.bar(event)
        mark = "first_epoch" if event.kind == "epoch" else "first_batch"
        self.timeline.setdefault(mark, time.time())
        if event.kind != "features":
            self.fraction = event.fraction
        if self.time_left is None and isinstance(config := read_json(
                self.run_dir / jobfolder.CONFIG), dict):  # written before the first epoch
            self.time_left = TimeLeft(plan_of(config))
        eta = self.time_left.seconds(event) if self.time_left else None
        self.reporter(event.fraction, event.text, stage=event.kind.replace("batch", "epoch"),
                      eta_seconds=None if eta is None else round(eta, 1),
                      final=event.kind == "epoch", kind=event.kind, phase=event.phase,
                      epoch=event.epoch, epochs=event.epochs, step=event.step,
                      steps=event.steps, timeline=self.timeline)

    def done(self, result) -> None:
        word = "stopped" if result.stopped else "finished"
        try:
            history = read_run(self.run_dir).history
        except CvlabError:  # damaged since: count what the result says
            history = [{}] * result.epochs_run
        complete = sum(not e.get("partial") for e in history)
        cut = " and part of another" if complete < len(history) else ""
        self.reporter(self.fraction if result.stopped else 1.0,
                      f"{word} after {count(complete, 'epoch')}{cut}", stage="done",
                      final=True, eta_seconds=0.0 if not result.stopped else None,
                      epoch=result.epochs_run, best_epoch=result.best_epoch,
                      timeline=self.timeline)

def spec_from_args(args) -> TrainConfig:
    """The run's config from the command line, resolved (the spec of a ``train`` job)."""
    if not args.data_dir:
        raise CvlabError("Received: no DIR; allowed: a folder with one sub-folder per class, "
                         "or --resume RUN_DIR")
    given = {name: getattr(args, name) for name in
             ("mode", "model", "epochs", "fine_tune_at", "head_epochs", "image_size", "batch_size",
              "learning_rate", "weights", "seed", "val_fraction", "test_fraction",
              "cached_views", "train_per_class", "dropout")
             if getattr(args, name) is not None}
    if args.augment:
        given["augment"] = _read_spec(args.augment)
    if args.no_feature_cache:
        given["cache_features"] = False
    if args.model_file:
        given["model_file"] = str(allowed(args.model_file))
        given.setdefault("mode", "scratch" if args.from_scratch else "full")
    if args.from_scratch and (not args.model_file or given["mode"] != "scratch"):
        shown = f"--mode {given['mode']}" if args.model_file else "no --model-file"
        raise CvlabError(f"Received: --from-scratch with {shown}; allowed: --from-scratch "
                         "with --model-file PATH (it means --mode scratch)")
    config = TrainConfig(str(allowed(args.data_dir)), **given)
    return config.resolved()


def _check_resume_args(args) -> None:
    extra = [name for name in RUN_OPTIONS if getattr(args, name) is not None]
    flags = [name for name in ("no_feature_cache", "from_scratch") if getattr(args, name)]
    if args.data_dir or extra or flags:
        shown = "DIR" if args.data_dir else "--" + (extra or flags)[0]
        raise CvlabError(f"Received: {shown.replace('_', '-')} with --resume; allowed: only "
                         "--epochs (the run's own settings are reused)")


def _read_spec(path: str) -> dict:
    if path.lstrip().startswith("{"):  # the pipeline's JSON text itself
        return _parse_spec(path, path[:40])
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise CvlabError(f"Received: --augment {path} ({exc.strerror}); allowed: a pipeline "
                         "JSON file exported by the Augmentation Studio") from None
    return _parse_spec(text, path)


def _parse_spec(text: str, shown: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CvlabError(f"Received: --augment {shown} that is not JSON ({exc}); allowed: a "
                         "pipeline JSON file exported by the Augmentation Studio") from None
    if not isinstance(data, dict):
        raise CvlabError(f"Received: --augment {shown} that is not a JSON object; allowed: a "
                         "pipeline JSON file exported by the Augmentation Studio")
    return data


def _stop_on_sigint(stop: threading.Event):
    """First Ctrl-C asks for a stop after the current batch; the second one aborts."""

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after this batch (Ctrl-C again to abort)", file=sys.stderr)

    return signal.signal(signal.SIGINT, handler)


def render(result) -> str:
    """The human summary of a run."""
    accuracy = "n/a" if result.val_accuracy is None else f"{result.val_accuracy:.3f}"
    loss = "n/a" if result.val_loss is None else f"{result.val_loss:.4f}"
    lines = [
        f"run folder   {result.run_dir}",
        f"mode         {result.mode} on {result.device}",
        f"weights      {result.weights_source['name']}",
        f"classes      {', '.join(result.classes)}",
        f"images       {result.train_images} train, {result.val_images} validation, "
        f"{result.test_images} test (held out for evaluate)",
        f"epochs run   {result.epochs_run}" + (" (stopped early)" if result.stopped else ""),
        f"best epoch   {result.best_epoch}: val accuracy {accuracy}, val loss {loss}",
        f"seconds      {result.seconds:.1f}",
    ]
    if result.best_epoch is None:
        lines.append("no epoch finished: no model.keras was written")
    return "\n".join(lines)
