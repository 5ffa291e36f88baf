"""Training Studio helpers: dataset and settings widgets, the background run, run views.

A run trains in a :mod:`ui.jobs` thread so the page stays live; the job lives in
``st.session_state[JOB_KEY]`` (one per browser session) and the page polls it. Runs are
written under ``<app data dir>/runs``; every view below reads the run folder, so a run
the command line wrote to ``runs/`` in an allowed data root shows up here too.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cvlab import plots, zoo
from cvlab.augment.spec import OPS, default_spec, spec_from_json, spec_to_dict
from cvlab.data import SAMPLES, app_data_dir, data_roots, ensure_sample
from cvlab.errors import CvlabError
from cvlab.train import MODES, RunRecord, TrainConfig, list_runs, read_run, train
from cvlab.train.config import (
    BASE_LAYERS,
    DEFAULT_FINE_TUNE_AT,
    DEFAULT_LEARNING_RATE,
    DEFAULT_MODEL,
    DEFAULTS,
)
from cvlab.train.device import detect
from cvlab.train.runs import default_run_dir
from ui import jobs
from ui.augment import SPEC_KEY

JOB_KEY = "training_job"
SHOWN_RUN_KEY = "training_run"
IMAGE_SIZES = (32, 64, 96, 128, 160, 192, 224)
MODE_TEXT = {
    "frozen": "frozen: train only a new head on ImageNet features (fastest)",
    "fine-tune": "fine-tune: head first, then unfreeze the top of the base",
    "full": "full: start from ImageNet, train every layer",
    "scratch": "scratch: random start, train every layer (slowest to learn)",
}
SAMPLE_TEXT = {"faces": "faces vs. not faces (200 images)",
               "shapes": "circles, squares, triangles (180 images)"}


def runs_dir() -> Path:
    """Where runs started here are written."""
    return app_data_dir() / "runs"


def known_runs() -> list[RunRecord]:
    """Runs in ``runs/`` under every allowed data root (the CLI's default place), newest first."""
    folders = dict.fromkeys([runs_dir(), *(root / "runs" for root in data_roots())])
    records = [record for folder in folders for record in list_runs(folder)]
    return sorted(records, key=lambda r: -r.paths.config.stat().st_mtime)


@st.cache_resource(show_spinner="Looking for a GPU…")
def device_name() -> str:
    """``CPU`` or ``GPU: <model> ×N``, as the trainer will see it (imports TensorFlow)."""
    return detect().name


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


def settings(dataset: Path) -> TrainConfig:
    """The run's settings from the widgets (checked later, when the run starts)."""
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
    epochs = left.number_input("Epochs", 1, 500, DEFAULTS["epochs"], key="train_epochs")
    image_size = middle.select_slider("Image size (pixels)", IMAGE_SIZES, DEFAULTS["image_size"],
                                      key="train_image_size",
                                      help="Smaller trains faster; 224 is ImageNet's size.")
    batch_size = right.select_slider("Batch size", (8, 16, 32, 64, 128), DEFAULTS["batch_size"],
                                     key="train_batch_size")
    learning_rate = left.number_input(
        "Learning rate", 1e-6, 1.0, DEFAULT_LEARNING_RATE[mode], format="%.0e",
        key=f"train_lr_{mode}", help="Fine-tuning continues at a tenth of it.")
    seed = middle.number_input("Seed", 0, 2**31 - 1, DEFAULTS["seed"], key="train_seed",
                               help="The same seed gives the same split and, on CPU, "
                                    "the same result.")
    fine_tune_at = None
    if mode == "fine-tune":
        fine_tune_at = right.slider(
            "Unfreeze from base layer", 1, BASE_LAYERS - 1, DEFAULT_FINE_TUNE_AT,
            key="train_fine_tune_at",
            help=f"MobileNetV2's base has {BASE_LAYERS} layers; layers from this one up "
                 "train in the second phase.")
    augment = augmentation_choice()
    return TrainConfig(str(dataset), mode=mode, epochs=int(epochs), image_size=int(image_size),
                       batch_size=int(batch_size), learning_rate=float(learning_rate),
                       seed=int(seed), fine_tune_at=fine_tune_at, augment=augment,
                       model=model)


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


def start(config: TrainConfig) -> None:
    """Check ``config`` (errors raise before anything starts), then train in a thread."""
    config.resolved()
    run_dir = default_run_dir(config.mode, base=app_data_dir())

    def work(job: jobs.Job):
        return train(config, progress=lambda event: job.report(event.fraction, event.text),
                     stop_event=job.stop, run_dir=run_dir)

    st.session_state[JOB_KEY] = jobs.start("train", work)
    st.session_state[SHOWN_RUN_KEY] = str(run_dir)


def current_job() -> jobs.Job | None:
    return st.session_state.get(JOB_KEY)


def shown_run() -> RunRecord | None:
    """The session's newest run as written so far; None until its config.json exists."""
    try:
        return read_run(st.session_state[SHOWN_RUN_KEY])
    except (KeyError, CvlabError):
        return None


def job_panel(job: jobs.Job, record: RunRecord | None) -> None:
    """Progress, status and live curves of the session's training job; once it has ended,
    its outcome in one line (the Runs section below shows the curves)."""
    if job.running:
        st.progress(job.progress, text=job.status)
        if st.button("⏹ Stop after this batch", key="train_stop"):
            job.stop.set()
            st.toast("Stopping: the best epoch so far is kept.")
    elif job.error:
        st.error(f"Training failed after {job.seconds:.0f} s: {job.error}")
    else:
        result = job.result
        word = "stopped early" if result.stopped else "finished"
        if result.val_accuracy is None:
            st.warning(f"Training {word} in {result.seconds:.0f} s, before its first epoch "
                       "ended: there is no model to keep.")
        else:
            st.success(f"Training {word} in {result.seconds:.0f} s on {result.device}: best "
                       f"validation accuracy {result.val_accuracy:.1%} "
                       f"(epoch {result.best_epoch}).")
    if job.running and record is not None and record.history:
        st.plotly_chart(plots.history(record.history), width="stretch", key="live_history")


def run_label(record: RunRecord) -> str:
    best = (record.state or {}).get("best_val_accuracy")
    score = f"best val {best:.0%}" if best is not None else "no epoch yet"
    count = len(record.history)
    return f"{record.path.name} · {count} epoch{'' if count == 1 else 's'} · {score}"


def run_summary(record: RunRecord) -> None:
    config, state = record.config, record.state or {}
    cols = st.columns(5)
    cols[0].metric("Mode", config.get("mode", "?"))
    best = state.get("best_val_accuracy")
    cols[1].metric("Best val accuracy", f"{best:.1%}" if best is not None else "–",
                   help=f"Epoch {state.get('best_epoch')}; model.keras holds this epoch.")
    cols[2].metric("Epochs run", len(record.history))
    cols[3].metric("Images (train / val)",
                   f"{len(record.split['train'])} / {len(record.split['val'])}")
    cols[4].metric("Trained on", config.get("device", "?"))
    source = config.get("weights_source") or "?"
    source = source.get("name", "?") if isinstance(source, dict) else source
    st.caption(f"Network: {config.get('model', DEFAULT_MODEL)} · "
               f"weights: {source} · {config.get('image_size')} px · "
               f"classes: {', '.join(record.class_names)} · folder `{record.path}`")
    if record.history:
        st.plotly_chart(plots.history(record.history), width="stretch")
