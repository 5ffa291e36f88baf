"""Training Studio helpers: dataset and settings widgets, the training job, run views.

Train queues a ``python -m cvlab train`` job (:mod:`ui.jobs`): a process of its own that
writes into a new folder under ``<app data dir>/runs``. Every view below reads run
folders, so a reload, another tab or a server restart shows the same runs, and a run
the command line wrote to ``runs/`` in an allowed data root shows up here too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import streamlit as st

from cvlab import figures, inference, zoo
from cvlab.augment.spec import OPS, default_spec, spec_from_json, spec_to_dict
from cvlab.data import SAMPLES, app_data_dir, data_roots, ensure_sample
from cvlab.errors import CvlabError
from cvlab.jobs import queue
from cvlab.jobs.queue import Job
from cvlab.modelfile.peek import input_shape
from cvlab.train import MODES, RunRecord, TrainConfig, list_runs, read_run
from cvlab.train.base_layers import base_layers, weights_layout
from cvlab.train.config import (
    DEFAULT_FINE_TUNE_AT,
    DEFAULT_LEARNING_RATE,
    DEFAULT_MODEL,
    DEFAULTS,
    FILE_MODES,
)
from cvlab.train.modes import MODE_RECORDS
from ui import jobs
from ui.augment import SPEC_KEY
from ui.inference import call
from ui.messages import error
from ui.text import count, md

SHOWN_RUN_KEY = "training_run"
IMAGE_SIZES = (32, 64, 96, 128, 160, 192, 224)
MODE_TEXT = {m.name: m.label for m in MODE_RECORDS}
SEED_HELP = ("The seed fixes the split into training, validation and test images, the new "
             "head's starting weights, the shuffling order, dropout and the augmentation "
             "draws. On a CPU a frozen run then repeats exactly. Runs that train the base "
             "(fine-tune, full, scratch) can differ in the last digits, and then more as "
             "epochs go on, because TensorFlow's multi-threaded CPU kernels may add in a "
             "different order; on a GPU every mode can differ slightly.")
NETWORKS = ("MobileNetV2 or a zoo network", "Your model file")
FILE_MODE_TEXT = {"full": "its weights: go on training it on this folder",
                  "scratch": "fresh weights: its architecture from scratch"}
FILE_TEXT = (
    "Every layer trains, also those you froze. When the model's last layer does not give "
    "one probability per class of this folder (other units, or no softmax), that Dense "
    "layer is replaced by a new one with fresh weights; the run's log says so. Images "
    "reach the model as RGB values 0..255: a model with its own Rescaling or "
    "preprocessing layers works as it is, one that expected preprocessed input (say "
    "`preprocess_input` outside the model) starts poorly.")
SAMPLE_TEXT = {"faces": "faces vs. not faces (200 images)",
               "shapes": "circles, squares, triangles (180 images)"}


def runs_dir() -> Path:
    """Where runs started here are written."""
    return app_data_dir() / "runs"


def known_runs() -> list[RunRecord]:
    """Runs in ``runs/`` under every allowed data root (the CLI's default place), newest first."""
    folders = dict.fromkeys([runs_dir(), *(root / "runs" for root in data_roots())])
    records = [record for folder in folders for record in list_runs(folder)]
    return sorted(records, key=lambda r: -_stamp(r))


def _stamp(record: RunRecord) -> float:
    """When the run was last written (its folder's time for a damaged run, never followed)."""
    return (record.path if record.damaged else record.paths.config).lstat().st_mtime


@st.cache_resource(show_spinner="Looking for a GPU…")
def device_name() -> str:
    """``CPU`` or ``GPU: <model> ×N``, as the trainer will see it (asked of the inference
    worker, which imports TensorFlow: the first open after a server start waits for it)."""
    return call(inference.device_name)


def choose_dataset() -> Path:
    """The Datasets page's folder when there is one, else a bundled sample."""
    options = list(SAMPLE_TEXT)
    chosen = st.session_state.get("dataset_dir")
    if chosen:
        options.insert(0, chosen)
    pick = st.selectbox("Dataset", options, key="train_dataset",
                        format_func=lambda o: SAMPLE_TEXT.get(o, f"{o} (from Datasets)"),
                        help="Pick another folder or upload a zip on the Datasets page.")
    if pick in SAMPLES:
        with st.spinner(f"Preparing the {pick} sample…"):
            return ensure_sample(pick)
    return Path(pick)


def settings(dataset: Path) -> TrainConfig | None:
    """The run's settings from the widgets (checked later, when the run starts); ``None``
    while a model file is wanted and none is chosen yet."""
    source = st.radio("What to train", NETWORKS, horizontal=True, key="train_network",
                      help="Your own Keras model file trains on this folder as well: its "
                           "weights go on training, or its architecture starts afresh.")
    if source == NETWORKS[1]:
        return file_settings(dataset)
    mode = st.radio("Mode", MODES, MODES.index(DEFAULTS["mode"]), format_func=MODE_TEXT.get,
                    key="train_mode")
    model = DEFAULT_MODEL
    if mode == "scratch":
        names = zoo.names()
        model = st.selectbox("Network", names, index=names.index(DEFAULT_MODEL),
                             format_func=lambda n: zoo.info(n).title, key="train_model",
                             help="From scratch, any network of the Architecture Explorer "
                                  "trains, with its own classifier for your classes.")
    left, middle, right = st.columns(3)
    image_size = _image_size(middle)
    epochs, batch_size, learning_rate, seed = _schedule(mode, left, middle, right)
    fine_tune_at = None
    if mode == "fine-tune":
        count = base_layers(weights_layout("imagenet", int(image_size)))
        fine_tune_at = right.slider(
            "Unfreeze from base layer", 1, count - 1, DEFAULT_FINE_TUNE_AT,
            key="train_fine_tune_at",
            help=f"MobileNetV2's base has {count} layers with these weights; layers from "
                 "this one up train in the second phase.")
    augment = augmentation_choice()
    return TrainConfig(str(dataset), mode=mode, epochs=epochs, image_size=int(image_size),
                       batch_size=batch_size, learning_rate=learning_rate,
                       seed=seed, fine_tune_at=fine_tune_at, augment=augment,
                       model=model)


def _image_size(column) -> int:
    return column.select_slider("Image size (pixels)", IMAGE_SIZES, DEFAULTS["image_size"],
                                key="train_image_size",
                                help="Smaller trains faster; 224 is ImageNet's size.")


def _schedule(mode: str, left, middle, right) -> tuple[int, int, float, int]:
    """Epochs, batch size, learning rate (the mode's default) and seed."""
    epochs = left.number_input("Epochs", 1, 500, DEFAULTS["epochs"], key="train_epochs")
    batch_size = right.select_slider("Batch size", (8, 16, 32, 64, 128), DEFAULTS["batch_size"],
                                     key="train_batch_size")
    learning_rate = left.number_input(
        "Learning rate", 1e-6, 1.0, DEFAULT_LEARNING_RATE[mode], format="%.0e",
        key=f"train_lr_{mode}", help="Fine-tuning continues at a tenth of it.")
    seed = middle.number_input("Seed", 0, 2**31 - 1, DEFAULTS["seed"], key="train_seed",
                               help=SEED_HELP)
    return int(epochs), int(batch_size), float(learning_rate), int(seed)


def file_settings(dataset: Path) -> TrainConfig | None:
    """A learner's model file on ``dataset``: go on training it, or its architecture from
    fresh weights (:mod:`cvlab.train.from_file`); ``None`` until a file is chosen."""
    from ui.model_file import choose_model_file  # here: ui.model_file imports this module

    path = choose_model_file("train_file")
    if path is None:
        return None
    mode = st.radio("Start from", list(FILE_MODES), key="train_file_mode",
                    format_func=lambda m: FILE_MODE_TEXT[m])
    st.caption(FILE_TEXT)
    left, middle, right = st.columns(3)
    shape = input_shape(path)
    if shape and shape[0] and shape[0] == shape[1]:
        image_size = shape[0]
        middle.markdown(f"**Image size:** {image_size}×{image_size} pixels, the model's input")
    else:
        image_size = _image_size(middle)
        st.caption("The model reads any image size (or its size is read when the job "
                   "starts): a square model input overrides this setting.")
    epochs, batch_size, learning_rate, seed = _schedule(mode, left, middle, right)
    return TrainConfig(str(dataset), mode=mode, epochs=epochs, image_size=int(image_size),
                       batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                       augment=augmentation_choice(), model_file=str(path))


def augmentation_choice() -> dict | None:
    """The Augmentation Studio's pipeline (or the default one) when switched on."""
    text = st.session_state.get(SPEC_KEY)
    spec = spec_from_json(text) if text else default_spec()
    names = ", ".join(OPS[step.op].title.lower() for step in spec.steps) or "nothing"
    where = "the Augmentation Studio's" if text else "the default"
    on = st.toggle("Augment the training images", value=bool(spec.steps), key="train_augment",
                   help="Validation images are never augmented.")
    st.caption(f"Uses {where} pipeline: {names}." if on else
               "Training images are used as they are.")
    return spec_to_dict(spec) if on and spec.steps else None


def start(config: TrainConfig) -> Job:
    """Check ``config`` (errors raise before anything is queued), then queue its training
    as a job writing into its own new run folder."""
    job = jobs.launch(config.resolved(), runs_dir())
    st.session_state[SHOWN_RUN_KEY] = str(job.dir)
    return job


def current_job() -> Job | None:
    """The training job this session shows (see :func:`ui.jobs.current`). A session that
    found it through the URL (after a reload, in another tab) also opens its run below,
    as the session that started it does."""
    job = jobs.current("train", runs_dir())
    if job is not None:
        st.session_state.setdefault(SHOWN_RUN_KEY, str(job.dir))
    return job


def live_curves(job: Job) -> None:
    """The job's curves as ``history.json`` grows (drawn inside the job panel's refresh).
    Each newly finished epoch reruns the whole page once, so the run list and the run's
    summary below the panel, outside its refresh, say the same as the panel."""
    if job.status != "running":
        return
    try:
        record = read_run(job.dir)
    except CvlabError:
        return
    if record.history:
        st.plotly_chart(history_figure(record), width="stretch", key="live_history")
    seen, epochs = f"epochs_seen:{job.id}", len(record.history)
    if st.session_state.setdefault(seen, epochs) != epochs:
        st.session_state[seen] = epochs
        st.rerun(scope="app")


def history_figure(record: RunRecord):
    """The run's curves, built once per version of its history.json (building a plotly
    figure costs far more than reading the file, and the live panel redraws every second)."""
    return _history_figure(str(record.paths.history),
                           record.paths.history.stat().st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=32)
def _history_figure(path: str, stamp: int):
    return figures.history(json.loads(Path(path).read_text()))


def run_status(record: RunRecord, listed: dict[str, Job]) -> str:
    """running, queued, finished, stopped, failed, interrupted, or (a run that no job
    recorded, e.g. from the command line) finished / stopped / incomplete."""
    job = listed.get(record.path.name) if record.path.parent == runs_dir() else None
    if job is not None:
        return job.status
    state = record.state or {}
    return "finished" if state.get("finished") else "stopped" if state.get("stopped") \
        else "incomplete"


def jobs_listed() -> list[Job]:
    return queue.jobs(runs_dir())


def delete_button(record: RunRecord, listed: dict[str, Job]) -> None:
    """Delete a run folder that no job is writing, after a confirmation: for the learner
    whose job wrote it, or the teacher (a run no job recorded, from the command line: the
    teacher only)."""
    job = listed.get(record.path.name) if record.path.parent == runs_dir() else None
    if not (jobs.may_control(job) if job is not None else jobs.is_teacher()):
        st.caption("Only the learner who started this run, or the teacher, can delete it.")
        return
    with st.popover("🗑 Delete this run"):
        st.caption(f"Removes `{record.path}` with its checkpoints, model and exports.")
        if not st.button("Delete for good", key=f"delete:{record.path}", type="primary"):
            return
    try:
        if job is not None:
            queue.delete(job.id, runs_dir(), jobs.actor())
        else:
            shutil.rmtree(record.path)
    except (CvlabError, OSError) as exc:
        error(f"Could not delete {record.path.name}: {exc}")
        return
    st.session_state.pop(SHOWN_RUN_KEY, None)
    st.rerun()


def run_label(record: RunRecord, status: str = "") -> str:
    if record.damaged:
        return f"⚠ {record.path.name} · damaged, not read"
    best = (record.state or {}).get("best_val_accuracy")
    score = f"best val {best:.0%}" if best is not None else "no epoch yet"
    epochs = sum(not e.get("partial") for e in record.history)
    partial = " + 1 partial" if any(e.get("partial") for e in record.history) else ""
    shown = f" · {status}" if status else ""
    return f"{record.path.name}{shown} · {count(epochs, 'epoch')}{partial} · {score}"


def run_summary(record: RunRecord) -> None:
    config, state = record.config, record.state or {}
    cols = st.columns(5)
    cols[0].metric("Mode", md(config.get("mode", "?")))
    best = state.get("best_val_accuracy")
    partial = " (a partial epoch: no complete epoch yet)" if state.get("best_partial") else ""
    cols[1].metric("Best val accuracy", f"{best:.1%}" if best is not None else "–",
                   help=f"Epoch {state.get('best_epoch')}{partial}; model.keras holds this "
                        "epoch. An epoch cut short by Stop is never chosen over a complete "
                        "one.")
    complete = sum(not e.get("partial") for e in record.history)
    cut = record.history and record.history[-1].get("partial")
    cols[2].metric("Epochs run", f"{complete} + 1 partial" if cut else complete,
                   help="Complete epochs; the partial one was cut short by Stop."
                   if cut else "Complete epochs.")
    cols[3].metric("Images (train / val)",
                   f"{len(record.split['train'])} / {len(record.split['val'])}")
    cols[4].metric("Trained on", md(config.get("device", "?")))
    source = config.get("weights_source") or "?"
    weights = source.get("name", "?") if isinstance(source, dict) else source
    network = config.get("model", DEFAULT_MODEL)
    if config.get("model_file"):
        network = f"your model file {Path(config['model_file']).name}"
        weights = "the file's" if config.get("mode") == "full" else "fresh"
        head = config.get("model_file_head")
        st.caption(md(head[0].upper() + head[1:] if head else "The model's head was kept."))
    st.caption(md(f"Network: {network} · weights: {weights} · "
                  f"{config.get('image_size')} px · classes: {', '.join(record.class_names)}"
                  f" · folder {record.path}"))
    if record.history:
        st.plotly_chart(history_figure(record), width="stretch")
