"""Augmentation studio: tune a pipeline, watch seeded draws, copy the code, export JSON."""

from __future__ import annotations

import streamlit as st

from cvlab.augment.codegen import pipeline_code
from cvlab.augment.photos import PHOTOS
from cvlab.augment.spec import spec_to_json
from cvlab.errors import CvlabError
from ui import messages
from ui.augment import controls, photo, prepared, preview, restore, uploaded_image
from ui.layout import page_setup
from ui.messages import error

page_setup(
    __file__,
    "Switch augmentations on, tune them, and see nine seeded draws of the exact "
    "Keras pipeline the trainer will run.",
)

# 1. Restore the pipeline kept in session state, then draw its sidebar controls.
restore()
st.sidebar.header("Augmentations")
try:
    spec = controls()
except CvlabError as exc:
    error(exc)
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
        try:
            source = uploaded_image(uploaded)
        except CvlabError as exc:
            messages.error(exc)
            st.stop()
    else:
        source = photo(choice)
    partner = None
    if spec.batch_steps:
        second = st.selectbox("Second image for mixing", list(PHOTOS), key="aug_partner")
        partner = prepared(photo(second))
    seed = int(st.number_input("Seed", 0, 2**31 - 1, step=1, key="aug_seed",
                               help="The same seed gives the same nine draws."))
    st.image(source, caption="Original")

with right:
    try:
        result = preview(spec_to_json(spec), prepared(source), seed, partner)
    except CvlabError as exc:
        error(exc)
        st.stop()
    for row in range(3):
        cols = st.columns(3)
        for col, i in zip(cols, range(row * 3, row * 3 + 3), strict=True):
            col.image(result["images"][i], caption=result["captions"][i])
    with st.expander("Values each draw used (every operation)"):
        st.json([{op: values for op, values in d.items()} for d in result["draws"]],
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
        error(st.session_state["augment_import_error"])
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
directions in which colours vary across the *training set's* pixels, so the change looks
like natural lighting rather than a tint; its σ = 0.1 is deliberately subtle (Krizhevsky et
al. 2012, §4.1). Without dataset statistics the studio uses each image's own colours, a
per-image variant: give it eigenvalues and eigenvectors from a dataset
(`cvlab.augment.pca`) to get AlexNet's version.

**Why on the fly, on the CPU.** Storing every variant would multiply the dataset on
disk and still offer only a fixed set. Drawing fresh parameters each epoch gives endless
variety for free. The CPU prepares the next batch while the GPU trains on the current
one, so the augmentation costs almost no training time.
"""
    )
