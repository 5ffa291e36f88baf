"""The ResNet lab's views: the shortcut table, the experiments' settings, jobs and figures.

Both experiments run as jobs (``python -m cvlab experiment …``, see :mod:`ui.jobs`); what
is drawn comes from the job folder: the curves so far from ``progress.json`` while it
runs, everything from ``result.json`` once it has finished.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from cvlab import figures, jobfolder
from cvlab.errors import CvlabError
from cvlab.experiments.degradation import Settings, verdict
from cvlab.experiments.identity import decay_summary
from cvlab.jobs import queue
from cvlab.jobs.queue import Job
from cvlab.profile import profile
from cvlab.report import shape_text
from cvlab.zoo.residual import single_block
from ui import jobs
from ui.messages import error

DEPTH_CHOICES = (8, 14, 20, 26, 32, 44, 56, 110)
DEFAULT = Settings()
BUDGETS = {
    "default": {"epochs": DEFAULT.epochs, "per_class": DEFAULT.train_per_class},
    "longer": {"epochs": 24, "per_class": DEFAULT.train_per_class},
}
BUDGET_TEXT = {"default": "Default: 8 epochs", "longer": "Longer: 24 epochs"}
# He et al. 2015 §4.2: SGD, momentum 0.9, rate 0.1 at batch 128, weight decay 1e-4, ÷10 at
# 32k and 48k of 64k steps. The rate is scaled linearly with our batch size.
HE_RATE = round(0.1 * DEFAULT.batch_size / 128, 6)
RECIPES = {
    "default": {"optimizer": DEFAULT.optimizer, "learning_rate": DEFAULT.learning_rate,
                "schedule": DEFAULT.schedule},
    "he": {"optimizer": "sgd", "learning_rate": HE_RATE, "schedule": "step"},
}
RECIPE_TEXT = {"default": f"Adam at {DEFAULT.learning_rate:g}, cosine decay to 0 (default)",
               "he": f"He et al.'s: SGD with momentum 0.9; their 0.1 at batch 128 scaled "
                     f"linearly to {HE_RATE:g} at our batch {DEFAULT.batch_size}, ÷10 at half and "
                     "at ¾ of the steps; their weight decay of 1e-4 is left out"}

# He et al. 2015 §4.1: with batch norm the plain nets' gradients stay healthy, so the
# degradation is "unlikely to be caused by vanishing gradients"; the course notes blame them.
GRADIENT_NOTE = (
    "What this plot shows: each layer's gradient norm on one batch *before training*, so how "
    "much loss signal reaches it at the start. What it does not show: why the deep plain net "
    "trains worse. With batch norm after every convolution the plain net's gradients do not "
    "vanish, and He et al. (2015, §4.1) judge the degradation unlikely to come from vanishing "
    "gradients but from a harder optimisation. The course notes blame vanishing gradients; "
    "the paper is the better guide here.")


def shortcut_table() -> pd.DataFrame:
    """Each shortcut on one block, 8×8×16 in: counts from the profiler."""
    cases = [
        ("identity: s(a) = a", "basic", (8, 8, 16), 16, 1, "identity"),
        ("plain: no shortcut", "basic", (8, 8, 16), 32, 2, None),
        ("projection: s(a) = W_s·a (1×1 conv, stride 2)", "basic", (8, 8, 16), 32, 2,
         "projection"),
        ("zero padding: every 2nd pixel, then zero channels", "basic", (8, 8, 16), 32, 2,
         "zeropad"),
        ("ResNet-50 identity block", "bottleneck", (56, 56, 256), 64, 1, "identity"),
        ("ResNet-50 convolutional block", "bottleneck", (56, 56, 256), 128, 2, "projection"),
    ]
    rows = []
    for label, kind, shape, filters, stride, shortcut in cases:
        p = profile(single_block(kind, shape, filters, stride, shortcut, batch_norm=True))
        rows.append({"block and shortcut": label, "in": shape_text(shape),
                     "out": shape_text(p.output_shape), "params": p.total_params,
                     "MACs per image": p.macs})
    return pd.DataFrame(rows)


def degradation_settings() -> Settings:
    """The experiment's settings from the widgets (checked when it starts)."""
    budget = st.radio("Budget", list(BUDGETS), format_func=BUDGET_TEXT.get, horizontal=True,
                      key="resnet_budget")
    left, middle, right = st.columns(3)
    depths = left.multiselect("Depths (6n + 2 layers)", DEPTH_CHOICES, default=[8, 20, 56],
                              key="resnet_depths")
    epochs = middle.number_input("Epochs", 1, 200, BUDGETS[budget]["epochs"],
                                 key=f"resnet_epochs_{budget}")
    seed = right.number_input("Seed", 0, 10_000, 0, key="resnet_seed",
                              help="Picks the training images and the initial weights.")
    recipe = st.radio("Optimizer", list(RECIPES), format_func=RECIPE_TEXT.get,
                      horizontal=True, key="resnet_recipe")
    per_class = BUDGETS[budget]["per_class"]
    settings = Settings(tuple(depths), int(epochs), int(seed), train_per_class=per_class,
                        **RECIPES[recipe])
    if depths:
        minutes = settings.estimated_seconds() / 60
        st.caption(f"About {minutes:.0f} min on an idle 2-core CPU" if minutes >= 1.5 else
                   "About a minute on an idle 2-core CPU", help=(
            "Scaled from one measurement: the default run took 4 min 29 s. Time grows with "
            "the depths picked (their layers add up), the epochs and the images. Anything "
            "else on the machine, other jobs or a class's pages, stretches it (11 minutes "
            "were seen on a loaded machine), and a GPU shortens it."))
    return settings


def start_button(kind: str, job: Job | None, label: str, spec: Callable[[], object],
                 **button) -> None:
    """A button that queues the job ``spec()`` describes (:func:`ui.jobs.launch`);
    disabled while ``job`` runs. A bad setting (:class:`CvlabError` from ``spec`` or the
    queue's check) is shown and queues nothing."""
    if not st.button(label, key=f"resnet_{kind}_start", disabled=job is not None and job.active,
                     **button):
        return
    try:
        jobs.launch(spec())
    except CvlabError as exc:
        error(exc)
    else:
        st.rerun()


def job_and_result(kind: str, job: Job | None, live: Callable[[Job], None],
                   show: Callable[[dict], None]) -> None:
    """Earlier runs to pick from, the job's live panel, and its result once it has ended."""
    pick_past(kind, job)
    if job is None:
        return
    jobs.job_panel(job, live)
    result = jobfolder.read_result(job.dir)
    if result is not None and not job.active:
        show(result)


def past_jobs(kind: str) -> list[Job]:
    """Jobs of ``kind`` with a result to show, newest first."""
    return [j for j in queue.jobs() if j.kind == kind and jobfolder.read_result(j.dir)]


def pick_past(kind: str, current: Job | None) -> None:
    """A select box of earlier finished jobs; picking one shows it."""
    done = past_jobs(kind)
    if not done:
        return
    ids = [j.id for j in done]
    titles = {j.id: f"{j.title} · {j.status}" for j in done}
    index = ids.index(current.id) if current is not None and current.id in ids else 0
    picked = st.selectbox("Show an earlier run", ids, index=index, format_func=titles.get,
                          key=f"resnet_past_{kind}")
    if current is None or picked != current.id:
        jobs.remember(next(j for j in done if j.id == picked))
        st.rerun()


def live_degradation(job: Job) -> None:
    """Curves so far, drawn inside the job panel's refresh while the job runs."""
    if job.status != "running":
        return
    detail = (job.progress() or {}).get("detail") or {}
    runs = [r for r in detail.get("runs", []) if r.get("train_error")]
    if runs:
        st.plotly_chart(figures.error_curves(runs), width="stretch", key="resnet_live_curves")
    elif detail.get("init_gradients"):
        st.caption("Gradients measured; the first network is training…")


def degradation_result(result: dict) -> None:
    """Curves, verdict, gradient norms, settings and machine of a finished experiment."""
    st.plotly_chart(figures.error_curves(result["runs"]), width="stretch",
                    key="resnet_train_curves")
    v = verdict(result)
    if v["shape_shown"] is not None:
        say = st.success if v["shape_shown"] else st.warning
        say(v["lines"][-1])
    st.markdown("\n".join(f"- {line}" for line in v["lines"][:-1] if v["lines"]))
    with st.expander("Validation error (held-out images)"):
        st.plotly_chart(figures.error_curves(result["runs"], "val_error"), width="stretch",
                        key="resnet_val_curves")
    depths = sorted({g["depth"] for g in result["init_gradients"]})
    if depths:
        depth = st.select_slider("Gradient norms at depth", depths, value=depths[-1],
                                 key="resnet_gradient_depth") if len(depths) > 1 else depths[0]
        st.plotly_chart(figures.gradient_norms(result["init_gradients"], depth),
                        width="stretch", key="resnet_gradients")
        st.caption(GRADIENT_NOTE)
    settings_and_machine(result)


def settings_and_machine(result: dict) -> None:
    s, m = result["settings"], result["machine"]
    images = (f"{result['train_images']} training and {result['val_images']} validation images"
              if "val_images" in result else f"{s['train_images']} training images")
    st.caption(
        f"{result['dataset']}: {images}"
        + (f", {s['image_size']}×{s['image_size']} px, batch {s['batch_size']}, "
           f"{s['optimizer']} at learning rate {s['learning_rate']}"
           + (f" ({s['schedule']} schedule)" if "schedule" in s else "")
           + f", seed {s['seed']}"
           if "image_size" in s else "")
        + f" · ran on {m['device']} ({m['cpu']}, {m['cores']} cores, load average at the "
        f"start {m['load_average']}) in {result['seconds']:.0f} s "
        f"({result['cpu_seconds']:.0f} s of CPU time)"
        + (" · stopped early: partial" if result.get("stopped") else ""))


def identity_result(result: dict) -> None:
    """The exact check as a table, then the weight-decay figure."""
    rows = []
    for case, label in (("course", "course's block (no batch norm)"),
                        ("batch_norm", "block with batch norm")):
        c = result["identity"][case]
        rows.append({"block": label, "set to zero": ", ".join(c["zeroed"]),
                     "max |out − a| before": c["max_abs_diff_before"],
                     "max |out − a| after": c["max_abs_diff_after"],
                     "out == a, every value": "yes" if c["exact"] else "NO"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    ident = result["identity"]
    st.caption(f"a = the stem's ReLU output for {ident['images']} Animal-MNIST images "
               f"({', '.join(ident['labels'])}), {shape_text(tuple(ident['activation_shape']))}"
               f" each; {ident['course']['input_zero_fraction']:.0%} of its values are 0, "
               "none negative.")
    st.plotly_chart(figures.weight_decay(result["runs"]), width="stretch",
                    key="resnet_weight_decay")
    free, decayed = (result["runs"] + [None, None])[:2]
    if free and decayed:
        st.markdown(decay_summary(free, decayed))
    settings_and_machine(result)


def live_identity(job: Job) -> None:
    if job.status != "running":
        return
    runs = ((job.progress() or {}).get("detail") or {}).get("runs") or []
    if runs:
        st.plotly_chart(figures.weight_decay(runs), width="stretch",
                        key="resnet_live_weight_decay")
