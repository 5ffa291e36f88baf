"""Augmentation Studio helpers: cached photos and pipelines, and sidebar widgets ↔ spec.

The spec is stored as JSON under ``SPEC_KEY`` (the trainer reads it there). Every
control's key is in :func:`setting_keys`, which :mod:`ui.page_memory` keeps while other
pages run. :func:`restore` seeds controls that have never been drawn from the stored
spec, and a JSON import overwrites them all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from cvlab import inference
from cvlab.augment.pca import IMAGENET_EIGVALS, IMAGENET_EIGVECS
from cvlab.augment.photos import PHOTOS, load_photo
from cvlab.augment.spec import (
    OPS,
    Param,
    PipelineSpec,
    default_spec,
    make_spec,
    make_step,
    spec_from_json,
    spec_to_json,
)
from cvlab.data.images import Rejected, decode
from cvlab.errors import CvlabError
from ui.inference import call

SIZE = 224
SPEC_KEY = "augment_spec"  # JSON of the current pipeline; survives page switches
PCA_SOURCES = ("Each image", "ImageNet", "Imported values")
PHOTO_KEYS = {"aug_photo": None, "aug_partner": 1, "aug_seed": 0}  # key: default (index)


@st.cache_data(show_spinner=False)
def photo(name: str) -> np.ndarray:
    return load_photo(name)


@st.cache_data(show_spinner=False)
def prepared(image: np.ndarray) -> np.ndarray:
    from cvlab.augment.preview import prepare_image

    return prepare_image(image, SIZE)


@st.cache_data(show_spinner=False, max_entries=64)
def preview(spec_json: str, image: np.ndarray, seed: int, partner: np.ndarray | None) -> dict:
    """:func:`cvlab.inference.augment_preview` in the inference worker, cached on the
    pipeline, the photos and the seed."""
    return call(inference.augment_preview, spec_json, image, seed, partner)


def wkey(op: str, name: str) -> str:
    return f"aug_{op}_{name}"


def setting_keys() -> list[str]:
    """Every studio control's widget key: each op's switch and parameters, the photo,
    the mixing partner and the seed."""
    keys = list(PHOTO_KEYS)
    for op, info in OPS.items():
        keys += [wkey(op, "on")]
        if op == "pca_color":
            keys += [wkey(op, "source")]
        for name, p in info.params.items():
            if p.kind == "vec3" and p.default is not None:
                keys += [wkey(op, name + c) for c in "rgb"]
            elif p.kind not in ("vec3", "mat3"):
                keys.append(wkey(op, name))
    return keys


def seed_widgets(spec: PipelineSpec, force: bool = False) -> None:
    """Copy ``spec`` into widget keys (all of them when ``force``, else only missing ones)."""
    for op, info in OPS.items():
        step = spec.get(op) or make_step(op)
        values = {"on": spec.get(op) is not None, **step.params}
        if op == "pca_color":
            eig = values.pop("eigvals"), values.pop("eigvecs")
            imagenet = eig == (IMAGENET_EIGVALS, IMAGENET_EIGVECS)
            values["source"] = PCA_SOURCES[0 if eig[0] is None else 1 if imagenet else 2]
            if values["source"] == PCA_SOURCES[2]:
                st.session_state["augment_pca_imported"] = eig
        for name, value in values.items():
            if info.params.get(name) and info.params[name].kind == "vec3":
                for c, v in zip("rgb", value, strict=True):
                    if force or wkey(op, name + c) not in st.session_state:
                        st.session_state[wkey(op, name + c)] = v
            elif force or wkey(op, name) not in st.session_state:
                st.session_state[wkey(op, name)] = value


def param_widget(op: str, name: str, p: Param):
    key = wkey(op, name)
    label = name.replace("_", " ").capitalize()
    if p.kind == "choice":
        return st.selectbox(label, p.choices, key=key, help=p.help or None)
    if p.kind == "bool":
        return st.checkbox(label, key=key, help=p.help or None)
    if p.kind == "int":
        step = 2 if name == "kernel_size" else 1
        high = min(int(p.hi), SIZE)
        return st.slider(label, int(p.lo), high, step=step, key=key, help=p.help or None)
    if p.kind == "vec3":
        return tuple(
            st.slider(f"{label}: {c.upper()}", -255.0, 255.0, step=1.0, key=key + c,
                      help=p.help or None)
            for c in "rgb"
        )
    step = 0.01 if p.hi <= 1 else 0.05
    return st.slider(label, float(p.lo), float(p.hi), step=step, key=key, help=p.help or None)


def pca_widget() -> dict:
    sources = PCA_SOURCES if "augment_pca_imported" in st.session_state else PCA_SOURCES[:2]
    source = st.radio("Principal components from", sources, key=wkey("pca_color", "source"),
                      horizontal=True,
                      help="AlexNet used statistics of the whole training set.")
    if source == PCA_SOURCES[1]:
        return {"eigvals": IMAGENET_EIGVALS, "eigvecs": IMAGENET_EIGVECS}
    if source == PCA_SOURCES[2]:
        vals, vecs = st.session_state["augment_pca_imported"]
        return {"eigvals": vals, "eigvecs": vecs}
    return {}


def controls() -> PipelineSpec:
    """Sidebar widgets → a validated spec, stored under SPEC_KEY."""
    steps = []
    for op, info in OPS.items():
        on = st.sidebar.toggle(info.title, key=wkey(op, "on"))
        if not on:
            continue
        with st.sidebar.expander(f"{info.title} settings", expanded=False):
            params = {
                name: param_widget(op, name, p)
                for name, p in info.params.items()
                if p.kind != "mat3" and not (op == "pca_color" and name == "eigvals")
            }
            if op == "pca_color":
                params.update(pca_widget())
        steps.append(make_step(op, **params))
    spec = make_spec(steps)
    st.session_state[SPEC_KEY] = spec_to_json(spec)
    return spec


def import_pipeline() -> None:
    """Apply an uploaded JSON pipeline once per upload, before the widgets are drawn."""
    upload = st.session_state.get("aug_import")
    if upload is None or st.session_state.get("augment_imported") == upload.file_id:
        return
    st.session_state["augment_imported"] = upload.file_id
    try:
        spec = spec_from_json(upload.getvalue())
    except CvlabError as exc:
        # Raw text: the page shows it through ui.messages.error, which escapes it.
        st.session_state["augment_import_error"] = (
            f"Import of {upload.name} failed; the pipeline is unchanged. {exc}")
        return
    st.session_state.pop("augment_import_error", None)
    st.session_state[SPEC_KEY] = spec_to_json(spec)
    seed_widgets(spec, force=True)


def restore() -> None:
    """Apply a fresh JSON import, then seed the widgets from the stored (or default) spec."""
    import_pipeline()
    stored = st.session_state.get(SPEC_KEY)
    seed_widgets(spec_from_json(stored) if stored else default_spec())
    photos = list(PHOTOS)
    st.session_state.setdefault("aug_photo", photos[0])
    st.session_state.setdefault("aug_partner", photos[PHOTO_KEYS["aug_partner"]])
    st.session_state.setdefault("aug_seed", PHOTO_KEYS["aug_seed"])


def uploaded_image(upload) -> np.ndarray:
    """An uploaded photo as RGB uint8, decoded as the scan decodes (16-bit, CMYK, EXIF…,
    the app's pixel limit); :class:`CvlabError` naming the file when it cannot be used."""
    try:
        return decode(Path(upload.name), data=upload.getvalue()).pixels
    except Rejected as exc:
        raise CvlabError(f"{upload.name} cannot be used: {exc.kind} ({exc.detail}). "
                         "Upload a JPEG, PNG or WebP photo.") from None
