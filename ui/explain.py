"""Seeing inside models on a page: the ImageNet lens (feature maps, top-5, Grad-CAM) and
Grad-CAM overlays for a trained run, cached so that stepping and re-drawing are instant.

The models run in the inference worker (``ui/inference.py``), where the ImageNet model
loads once per server; each photo is run once (``st.cache_data``) and every stage's picture
is rendered then, so moving the stage slider only shows a stored JPEG. A run's model is
kept in the worker per run folder and model time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from cvlab import figures, inference
from cvlab.data.images import load_resized
from cvlab.errors import CvlabError
from cvlab.explain.gradcam import NIL_PROBABILITY
from cvlab.train import RunRecord
from cvlab.weights.preprocess import center_crop
from ui.inference import call
from ui.messages import error
from ui.text import md

GALLERY_WIDTH = 112


# -- the ImageNet model (loaded once, in the inference worker) ---------------------------
@st.cache_data(show_spinner="Running MobileNetV2 on the photo (one forward pass; the first "
                            "loads the model, once per server)…", max_entries=16)
def imagenet_inside(pixels: np.ndarray) -> dict:
    """:func:`cvlab.inference.imagenet_inside`, cached on the photo."""
    return call(inference.imagenet_inside, pixels)


@st.cache_data(show_spinner=False, max_entries=64)
def imagenet_gradcam(pixels: np.ndarray, target: int) -> dict:
    """Grad-CAM for class ``target`` (PNG and numbers), from the photo's cached features."""
    return call(inference.imagenet_gradcam, pixels, imagenet_inside(pixels)["features"], target)


@st.cache_data(show_spinner=False)
def first_filters_png() -> bytes:
    """The first convolution's 32 filters as RGB patches in one picture."""
    return call(inference.first_filters_png)


# -- a trained run -----------------------------------------------------------------------
@st.cache_data(show_spinner="Computing Grad-CAM…", max_entries=64)
def run_overlays(run_dir: str, stamp: float, images: tuple[tuple[str, bytes], ...],
                 targets: tuple[str | None, ...] | None = None) -> list[dict | None]:
    """:func:`cvlab.inference.run_overlays`, cached on the run's model version (``stamp``,
    model.keras mtime), the images and the target classes."""
    return call(inference.run_overlays, run_dir, stamp, images, targets)


def _stamp(record: RunRecord) -> float:
    return record.model_path.stat().st_mtime


def try_it_heat(record: RunRecord, files: tuple[tuple[str, bytes], ...]) -> None:
    """Try it: where the run's model looked in each photo, for its predicted class."""
    try:
        shown = [item for item in run_overlays(str(record.path), _stamp(record), files) if item]
    except CvlabError as exc:
        error(exc)
        return
    if not shown:
        return
    st.markdown("**Where the model looked** (Grad-CAM for the predicted class)")
    columns = st.columns(min(len(shown), 4))
    for index, item in enumerate(shown):
        columns[index % len(columns)].image(
            item["png"], width=GALLERY_WIDTH * 2,
            caption=md(f"{item['name']}: {item['class']} {item['probability']:.0%}"))
    st.caption(f"Grad-CAM at layer `{shown[0]['layer']}`, the base's last feature map: red "
               "marks where the features raised the predicted class's score most.")


HEAT_CHOICES = {"Photos": None, "Where it looked (predicted class)": "predicted",
                "Where it found the true class": "true"}


def mistakes_gallery(record: RunRecord, wrong: list[dict]) -> None:
    """The most confident mistakes as thumbnails, with Grad-CAM over them on request."""
    choice = st.radio("Show", list(HEAT_CHOICES), horizontal=True, key="mistakes_heat",
                      help="Grad-CAM on the run's own model.keras: was the evidence on the "
                           "object, or on the background?")
    captions = [md(f"{w['true']} → {w['predicted']} {w['confidence']:.0%}") for w in wrong]
    key = HEAT_CHOICES[choice]
    if key is None:
        st.image([load_resized(Path(w["path"]), (96, 96)) for w in wrong], width=96,
                 caption=captions)
        return
    try:
        images = tuple((w["path"], Path(w["path"]).read_bytes()) for w in wrong)
        shown = run_overlays(str(record.path), _stamp(record), images,
                             tuple(w[key] for w in wrong))
    except (OSError, CvlabError) as exc:
        error(f"No Grad-CAM: {exc}")
        return
    kept = [(item["png"], caption) for item, caption in zip(shown, captions, strict=True)
            if item]
    st.image([png for png, _ in kept], width=GALLERY_WIDTH, caption=[c for _, c in kept])


# -- a learner's model file ---------------------------------------------------------------
@st.cache_data(show_spinner="Loading the model file (safe mode)…", max_entries=8)
def model_file_layers(path: str, stamp: float) -> dict:
    """:func:`cvlab.inference.model_file_layers`, cached on the file's version."""
    return call(inference.model_file_layers, path, stamp)


@st.cache_data(show_spinner="Running your model on the photo…", max_entries=64)
def model_file_look(path: str, stamp: float, pixels: np.ndarray, layer: str, conv: str,
                    target: int | None) -> dict:
    """:func:`cvlab.inference.model_file_look`, cached on all it reads."""
    return call(inference.model_file_look, path, stamp, pixels, layer, conv, target)


def nil_evidence(name: str, probability: float) -> str:
    """Why a map for a class the model all but rules out is no evidence (text, escaped)."""
    return md(f"The model gives “{name}” only {probability:.1%}: the evidence for it is "
              "next to nil. The map is scaled to its own strongest spot, so it always shows "
              "a hot spot; here it marks where the score would rise most, not what the model "
              "found.")


def model_file_view(path: Path, label: str, pixels: np.ndarray) -> None:
    """Predictions, a picked layer's activations and Grad-CAM at a picked convolution of
    the model in ``path`` for the photo ``pixels`` (stretched to the model's input)."""
    stamp = path.stat().st_mtime
    try:
        info = model_file_layers(str(path), stamp)
    except CvlabError as exc:
        error(exc)
        return
    if not info["convolutions"]:
        error(f"{info['name']} has no Conv2D, DepthwiseConv2D or SeparableConv2D layer: "
              "Grad-CAM needs a convolution's feature map.")
        return
    height, width = info["input_size"]
    shapes = {name: f"{kind} · {shape}" for name, kind, shape in info["layers"]}
    convs = info["convolutions"]
    left, right = st.columns(2)
    conv = left.selectbox("Grad-CAM at layer", convs, index=len(convs) - 1,
                          format_func=lambda n: f"{n} ({shapes[n]})", key=f"fm_conv:{path}",
                          help="Any convolution of the model, inside nested models too "
                               "(outer/inner); the last one is the usual choice.")
    names = list(shapes)
    layer = right.selectbox("Feature maps of layer", names, index=names.index(conv),
                            format_func=lambda n: f"{n} ({shapes[n]})",
                            key=f"fm_layer:{path}:{conv}",  # follows the Grad-CAM layer
                            help="Any layer with a spatial output, to see what it computes.")
    classes = info["classes"]
    target = st.selectbox("Explain the class", [None, *range(len(classes))],
                          key=f"fm_file_target:{path}",
                          format_func=lambda i: "the top class" if i is None else classes[i])
    try:
        look = model_file_look(str(path), stamp, center_crop(pixels, max(height, width)),
                               layer, conv, target)
    except CvlabError as exc:
        error(exc)
        return
    word = "probability" if look["softmax"] else "score"
    shown = f"{look['value']:.1%}" if look["softmax"] else f"{look['value']:.3g}"
    first, second, third = st.columns([1, 1, 1.3])
    first.image(look["photo"], width="stretch",
                caption=md(f"{label}, as the model sees it ({height}×{width})"))
    second.image(look["gradcam"], width="stretch",
                 caption=md(f"Grad-CAM at {conv} for “{look['class']}” ({word} {shown})"))
    if look["softmax"]:
        third.plotly_chart(figures.top_k(look["top"], "Top classes"), width="stretch")
    else:
        third.markdown("**Top scores** (the model ends without a softmax)\n\n" + "\n".join(
            f"- {md(t['class'])}: {t['probability']:.3g}" for t in look["top"]))
    if look["empty"]:
        st.info(md(f"No region raises the score of “{look['class']}” at {conv}: the map is "
                   "empty, not noise."))
    elif look["softmax"] and look["value"] < NIL_PROBABILITY:
        st.info(nil_evidence(look["class"], look["value"]))
    st.caption("Photos reach the model as RGB 0..255 (a model with its own Rescaling "
               "layer sees what it expects). Class names are a run's when the file is "
               "its model.keras, else the output's index.")
    st.image(look["activations"], width="stretch",
             caption=md(f"{layer}: output {look['shape']}. The {look['shown']} strongest "
                        f"of {look['channels']} channels, strongest first; brightness is "
                        "|activation| on one scale for the whole layer."))
