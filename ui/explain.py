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

from cvlab import inference
from cvlab.data.images import load_resized
from cvlab.errors import CvlabError
from cvlab.train import RunRecord
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
