"""Seeing inside models on a page: the ImageNet lens (feature maps, top-5, Grad-CAM) and
Grad-CAM overlays for a trained run, cached so that stepping and re-drawing are instant.

The ImageNet model loads once per server (``st.cache_resource``); each photo is run once
(``st.cache_data``) and every stage's picture is rendered then, so moving the stage
slider only shows a stored PNG. A run's model is cached per run folder and model time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from cvlab.data.images import load_resized
from cvlab.errors import CvlabError
from cvlab.explain import RunLens
from cvlab.explain.imagenet import shared_lens
from cvlab.explain.render import (
    activation_grid,
    filter_patches,
    jpeg_bytes,
    overlay,
    png_bytes,
)
from cvlab.train import RunRecord
from ui.messages import error
from ui.text import md

CHANNELS_SHOWN = 32
GALLERY_WIDTH = 112


# -- the ImageNet model ------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading MobileNetV2 with ImageNet weights (once per server)…")
def imagenet_lens():
    return shared_lens()


@st.cache_data(show_spinner="Running MobileNetV2 on the photo (one forward pass)…",
               max_entries=16)
def imagenet_inside(pixels: np.ndarray) -> dict:
    """Everything the page shows for one 224×224 photo, from one forward pass: each
    stage's grid (JPEG), its shape and strongest channels, the top-5 and the last feature
    map (kept for Grad-CAM of any class)."""
    lens = imagenet_lens()
    look = lens.look(pixels)
    stages = []
    for stage in lens.stages:
        maps = look.activations[stage.name]
        picture, order = activation_grid(maps, CHANNELS_SHOWN)
        stages.append({"name": stage.name, "layer": stage.layer, "shape": stage.shape_text,
                       "layers": stage.layers, "channels": maps.shape[-1],
                       "shown": len(order), "picture": jpeg_bytes(picture)})
    top = [{"index": i, "class": name, "probability": p} for i, name, p in lens.top(look, 5)]
    return {"stages": stages, "top": top, "features": look.activations[lens.gradcam_stage]}


@st.cache_data(show_spinner=False, max_entries=64)
def imagenet_gradcam(pixels: np.ndarray, target: int) -> dict:
    """The overlay (PNG) and numbers of Grad-CAM for class ``target`` (no forward pass)."""
    lens = imagenet_lens()
    features = imagenet_inside(pixels)["features"]
    explanation = lens.cam.explain_features(features[None], [target])[0]
    return {"png": png_bytes(overlay(pixels, explanation.heatmap)), "layer": explanation.layer,
            "class": explanation.class_name, "probability": explanation.probability,
            "empty": not explanation.heatmap.any()}


@st.cache_data(show_spinner=False)
def first_filters_png() -> bytes:
    """The first convolution's 32 filters as RGB patches in one row-wrapped picture."""
    patches = filter_patches(imagenet_lens().first_filters(), scale=16)
    side, gap, columns = patches[0].shape[0], 4, 16
    rows = -(-len(patches) // columns)
    sheet = np.full((rows * (side + gap) - gap, columns * (side + gap) - gap, 3), 255, np.uint8)
    for index, patch in enumerate(patches):
        top, left = (index // columns) * (side + gap), (index % columns) * (side + gap)
        sheet[top:top + side, left:left + side] = patch
    return png_bytes(sheet)


# -- a trained run -----------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the run's model for Grad-CAM…", max_entries=4)
def run_lens(run_dir: str, stamp: float):
    """The run's :class:`RunLens`; ``stamp`` (model.keras mtime) renews it after retraining."""
    return RunLens(run_dir)


@st.cache_data(show_spinner="Computing Grad-CAM…", max_entries=64)
def run_overlays(run_dir: str, stamp: float, images: tuple[tuple[str, bytes], ...],
                 targets: tuple[str | None, ...] | None = None) -> list[dict | None]:
    """Per image (name, bytes): ``{"name", "png", "class", "probability", "predicted",
    "layer"}``, or ``None`` when it cannot be read. ``targets``: a class name per image
    (``None``: the image's predicted class)."""
    lens = run_lens(run_dir, stamp)
    targets = targets or (None,) * len(images)
    readable = []
    for index, (name, data) in enumerate(images):
        try:
            readable.append((index, lens.load(Path(name), data)))
        except CvlabError:
            continue  # the caller says which files it could not read
    shown: list[dict | None] = [None] * len(images)
    if not readable:
        return shown
    batch = np.stack([pixels for _, pixels in readable])
    explanations = lens.explain(batch, [targets[index] for index, _ in readable])
    for (index, pixels), e in zip(readable, explanations, strict=True):
        shown[index] = {"name": images[index][0], "png": png_bytes(overlay(pixels, e.heatmap)),
                        "class": e.class_name, "probability": e.probability,
                        "predicted": e.predicted_name, "layer": e.layer}
    return shown


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
