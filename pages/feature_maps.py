"""Feature Maps & Grad-CAM: a real photo through the pretrained MobileNetV2, stage by stage,
or through the learner's own model file at any layer."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from cvlab import figures
from cvlab.augment.photos import PHOTOS, load_photo
from cvlab.data.images import IMAGE_EXTENSIONS, Rejected, decode
from cvlab.data.roots import resolve_allowed
from cvlab.errors import CvlabError
from cvlab.explain.gradcam import NIL_PROBABILITY
from cvlab.weights.imagenet import class_names
from cvlab.weights.preprocess import center_crop
from ui.explain import (
    first_filters_png,
    imagenet_gradcam,
    imagenet_inside,
    model_file_view,
    nil_evidence,
)
from ui.layout import page_setup
from ui.messages import error
from ui.model_file import choose_model_file
from ui.training import known_runs, run_label

page_setup(
    __file__,
    "The Explorer gives the shape flow as numbers; here a photo flows through the "
    "pretrained MobileNetV2 and you see each stage's activations, what it predicts, and "
    "where in the photo it found the evidence (Grad-CAM). Your own Keras model file "
    "works here too.",
)
MODELS = ("Pretrained MobileNetV2 (ImageNet)", "Your model file")


# 1. A photo: bundled, held out by a training run, or your own.
def chosen_photo():
    """``(label, RGB pixels, the run's model or None)`` of the photo to look at, or ``None``
    with a message shown. A run's held-out image comes with that run's model."""
    source = st.radio("Photo", ["Bundled photo", "Held-out image of a run", "Upload"],
                      horizontal=True, key="fm_source")
    if source == "Bundled photo":
        name = st.selectbox("Bundled photo", list(PHOTOS), key="fm_photo")
        return name, load_photo(name), None
    if source == "Held-out image of a run":
        runs = [r for r in known_runs() if r.split["test"] or r.split["val"]]
        if not runs:
            st.info("No run with held-out images yet: train one in the Training Studio.")
            return None
        record = st.selectbox("Run", runs, format_func=run_label, key="fm_run")
        held_out = record.split["test"] or record.split["val"]
        path, label = st.selectbox(
            "Held-out image", held_out, key="fm_held_out",
            format_func=lambda item: f"{item[0].name} (true class: {record.class_names[item[1]]})")
        try:
            model = record.model_path if record.model_path.is_file() else None
            return path.name, decode(resolve_allowed(path)).pixels, model
        except (CvlabError, Rejected) as exc:
            error(f"Cannot read {path}: {exc}")
            return None
    upload = st.file_uploader("Your photo", key="fm_upload",
                              type=sorted(e.lstrip(".") for e in IMAGE_EXTENSIONS))
    if upload is None:
        st.caption("The photo is only read in memory, never stored.")
        return None
    try:
        return upload.name, decode(Path(upload.name), data=upload.getvalue()).pixels, None
    except Rejected as exc:
        error(f"Cannot read {upload.name}: {exc}")
        return None


photo = chosen_photo()
if photo is None:
    st.stop()
label, pixels, run_model = photo

# The model: a held-out image's own run, the pretrained MobileNetV2 below, or a model file.
if run_model is not None:
    st.caption("A run's held-out image is explained by the model that run trained, on its "
               "own classes: the ImageNet MobileNetV2 knows none of them. To see what "
               "ImageNet's classes make of it, upload the image as a photo.")
    model_file_view(run_model, label, pixels)
    st.stop()
if st.radio("Model", MODELS, horizontal=True, key="fm_model") == MODELS[1]:
    path = choose_model_file("fm_file")
    if path is not None:
        model_file_view(path, label, pixels)
    st.stop()
pixels = center_crop(pixels, 224)  # as ImageNet models are evaluated: short side, centre
inside = imagenet_inside(pixels)
photo_id = hashlib.sha1(pixels.tobytes()).hexdigest()[:12]

# 2. What it predicts, and where the evidence was.
top = inside["top"]
names = class_names()
order = [t["index"] for t in top] + [i for i in range(len(names))
                                     if i not in {t["index"] for t in top}]
chance = {t["index"]: t["probability"] for t in top}
target = st.selectbox(
    "Explain the class", order, key=f"fm_target:{photo_id}",
    format_func=lambda i: f"{names[i]} ({chance[i]:.1%})" if i in chance else names[i],
    help="Starts at the predicted class; type to pick any of the 1000 ImageNet classes.")
heat = imagenet_gradcam(pixels, target)
left, middle, right = st.columns([1, 1, 1.3])
left.image(pixels, caption=f"{label}, as the model sees it (224×224)", width="stretch")
middle.image(heat["png"], width="stretch",
             caption=f"Grad-CAM for “{heat['class']}” ({heat['probability']:.1%})")
right.plotly_chart(figures.top_k(top, "Top-5 ImageNet classes"), width="stretch")
if heat["empty"]:
    st.info(f"No region raises the score of “{heat['class']}”: the map is empty, not noise.")
elif heat["probability"] < NIL_PROBABILITY:
    st.info(nil_evidence(heat["class"], heat["probability"]))
st.caption(
    f"Grad-CAM uses layer `{heat['layer']}`, the last 7×7×1280 feature map before pooling. "
    "Each of its 1280 channels is weighted by how much the class score (before softmax) "
    "rises when that channel rises, the weighted maps are summed, negatives dropped, and "
    "the 7×7 result is stretched over the photo: red is where the evidence was strongest.")

# 3. The shape flow as pictures: step through the stages.
st.subheader("Feature maps, stage by stage")
stages = {s["name"]: s for s in inside["stages"]}
name = st.select_slider("Stage", list(stages), key="fm_stage",
                        format_func=lambda n: f"{n} · {stages[n]['shape']}")
stage = stages[name]
st.image(stage["picture"], width="stretch",
         caption=f"{name}: output {stage['shape']} (after `{stage['layer']}`, "
                 f"{stage['layers']} layers in the stage). The {stage['shown']} strongest of "
                 f"{stage['channels']} channels, strongest first; brightness is |activation| "
                 "on one scale for the whole stage.")
st.caption("Space shrinks and channels multiply as you move right: early maps still look "
           "like the photo (edges, colours), late ones are coarse grids that only make "
           "sense to the classifier. Stepping reuses the one forward pass made for this "
           "photo.")

# 4. What the very first layer looks for.
st.subheader("The first layer's 32 filters")
st.image(first_filters_png(), width="content")
st.caption("Each 3×3 filter of `Conv1` as an RGB patch: grey is a zero weight, brighter or "
           "darker colour a stronger weight. They respond to edges and colour contrasts, "
           "the raw material every later stage combines.")
