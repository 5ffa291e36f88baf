"""Augmentation studio: tune a pipeline, watch seeded draws, copy the code, export JSON."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from cvlab.augment.codegen import pipeline_code
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
from cvlab.errors import CvlabError
from ui.layout import page_setup

SIZE = 224
SPEC_KEY = "augment_spec"  # JSON of the current pipeline; survives page switches
PCA_SOURCES = ("Each image", "ImageNet", "Imported values")

page_setup(
    "Augmentation Studio",
    "🎨",
    "Switch augmentations on, tune them, and see nine seeded draws of the exact "
    "Keras pipeline the trainer will run.",
)


@st.cache_data(show_spinner=False)
def photo(name: str) -> np.ndarray:
    return load_photo(name)


@st.cache_data(show_spinner=False)
def prepared(image: np.ndarray) -> np.ndarray:
    from cvlab.augment.preview import prepare_image

    return prepare_image(image, SIZE)


@st.cache_resource(show_spinner=False)
def pipeline_for(spec_json: str, seed: int):
    from cvlab.augment.build import build_mixing, build_pipeline

    spec = spec_from_json(spec_json)
    return build_pipeline(spec, seed), build_mixing(spec, seed)


def wkey(op: str, name: str) -> str:
    return f"aug_{op}_{name}"


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
        st.session_state["augment_import_error"] = str(exc)
        return
    st.session_state.pop("augment_import_error", None)
    st.session_state[SPEC_KEY] = spec_to_json(spec)
    seed_widgets(spec, force=True)


import_pipeline()
stored = st.session_state.get(SPEC_KEY)
seed_widgets(spec_from_json(stored) if stored else default_spec())
st.sidebar.header("Augmentations")
try:
    spec = controls()
except CvlabError as exc:
    st.error(str(exc))
    st.stop()

left, right = st.columns([1, 3])
with left:
    choice = st.selectbox("Photo", [*PHOTOS, "Upload…"], key="aug_photo")
    if choice == "Upload…":
        uploaded = st.file_uploader("Your image", type=["png", "jpg", "jpeg", "webp"],
                                    key="aug_upload")
        if uploaded is None:
            st.info("Upload an image to augment it.")
            st.stop()
        source = np.asarray(Image.open(uploaded).convert("RGB"))
    else:
        source = photo(choice)
    partner = None
    if spec.batch_steps:
        second = st.selectbox("Second image for mixing", list(PHOTOS), index=1,
                              key="aug_partner")
        partner = prepared(photo(second))
    seed = int(st.number_input("Seed", 0, 2**31 - 1, value=0, step=1, key="aug_seed",
                               help="The same seed gives the same nine draws."))
    st.image(source, caption="Original")

with right:
    try:
        pipeline, mixing = pipeline_for(spec_to_json(spec), seed)
        from cvlab.augment.preview import describe, draw_grid

        result = draw_grid(spec, prepared(source), 9, seed, partner=partner,
                           pipeline=pipeline, mixing=mixing)
    except CvlabError as exc:
        st.error(str(exc))
        st.stop()
    for row in range(3):
        cols = st.columns(3)
        for col, i in zip(cols, range(row * 3, row * 3 + 3), strict=True):
            col.image(result.images[i], caption=describe(result.draws[i]))
    with st.expander("Values each draw used"):
        st.json([{op: values for op, values in d.items()} for d in result.draws],
                expanded=False)

code_tab, json_tab, why_tab = st.tabs(["Keras code", "Export / import", "When it helps"])
with code_tab:
    st.caption("Paste into a training script; the studio builds its preview from the same "
               "recipe. PCA colour and RGB shift are cvlab layers because Keras has none.")
    st.code(pipeline_code(spec, seed), language="python")
with json_tab:
    st.download_button("Download pipeline JSON", spec_to_json(spec), file_name="augment.json",
                       mime="application/json", key="aug_export")
    st.file_uploader("Import a pipeline JSON", type=["json"], key="aug_import")
    if "augment_import_error" in st.session_state:
        st.error(st.session_state["augment_import_error"])
    st.code(spec_to_json(spec), language="json")
with why_tab:
    st.markdown(
        """
**It helps most when data is scarce.** A network with millions of weights can memorise
a few thousand photos. Each random variant is a new example the model has not seen,
so it has to learn what stays the same across them instead of memorising pixels.

**Only use changes the label survives.** A mirrored cat is still a cat, but a mirrored
"b" is a "d", and a rotated 6 becomes a 9. Open the *Text page* photo with mirroring on:
if your classes are digits, letters or road signs with arrows, leave it off. Colour
shifts are fine for objects, not for ripe-versus-unripe fruit.

**Colour changes mimic lighting.** Shifting R, G and B (say +20, +10, −5) imitates a
warmer lamp. AlexNet's PCA colour augmentation shifts every pixel along the main
directions in which colours vary across the data, so the change looks like natural
lighting rather than a tint. Its σ = 0.1 is deliberately subtle.

**Why on the fly, on the CPU.** Storing every variant would multiply the dataset on
disk and still offer only a fixed set. Drawing fresh parameters each epoch gives endless
variety for free. The CPU prepares the next batch while the GPU trains on the current
one, so the augmentation costs almost no training time.
"""
    )
