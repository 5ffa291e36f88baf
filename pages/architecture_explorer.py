"""Architecture Explorer: one network's shape flow and where its cost goes, layer by layer."""

import pandas as pd
import streamlit as st

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.modelfile.summary import profile_from_json
from cvlab.report import CONVENTION, short_count
from cvlab.zoo.stack_examples import EXAMPLES
from cvlab.zoo.teaching import FAMILY_NOTES, NOTE_CORRECTIONS
from ui.cached import keras_check, profile_figure, stack_profile, zoo_profile
from ui.keras_code import show_network_code
from ui.layout import page_setup
from ui.messages import error
from ui.model_file import choose_model_file, file_notes, file_profile
from ui.widgets import LAYER_COLUMNS, layer_table, model_options, totals

EXAMPLE_STACK = """# A small classifier for 32×32 colour images
input 32x32x3
conv 32 3x3 same
conv 32 3x3 same
maxpool 2x2 s2
conv 64 3x3 same
dwconv 3x3 same        # depthwise: one 3×3 filter per channel
conv 64 1x1            # pointwise: mixes channels
maxpool 2x2 s2
gap
dense 10
"""

page_setup(
    __file__,
    "Pick a network, change its options, and see every layer's shape, weights and "
    "multiply-adds. Nothing here needs TensorFlow until you ask Keras to check us.",
)

# 1. Choose a zoo network, write your own stack or open your own Keras model file.
with st.sidebar:
    source = st.radio("Network", ["From the zoo", "Your own stack", "Your model file"],
                      key="explorer_source", horizontal=True)
    if source == "From the zoo":
        titles = {n: zoo.info(n).title for n in zoo.names()}
        st.session_state.setdefault("explorer_model", "mobilenet_v2")
        name = st.selectbox("Model", zoo.names(), format_func=titles.get, key="explorer_model")
        options = model_options(name, key="explorer")

try:
    if source == "From the zoo":
        profile = zoo_profile(name, **options)
        key = ("zoo", name, tuple(sorted(options.items())))
        family, title = zoo.info(name).family, zoo.info(name).title
    elif source == "Your model file":
        st.subheader("Your model file")
        st.caption("A `.keras` file (or a legacy `.h5`), read in a separate process with "
                   "Keras' safe mode, converted into the same layer graph as the zoo's networks "
                   "and profiled the same way. Nested models (a base inside your model) are "
                   "expanded.")
        path = choose_model_file("explorer_file")
        if path is None:
            st.stop()
        with st.spinner("Reading the model file (the first one imports TensorFlow, ~5 s)…"):
            report = file_profile(path)
        profile = profile_from_json(report)
        key = ("file", str(path), path.stat().st_mtime)
        family, title = report["family"], report["name"]
    else:
        st.subheader("Your own graph")
        st.caption("One layer per line: `input HxWxC`, `conv F KxK [sN] [same|valid]`, "
                   "`dwconv KxK …`, `maxpool KxK …`, `avgpool KxK …`, `flatten`, `gap`, `bn`, "
                   "`relu`, `relu6`, `dense N`. Padding defaults to valid and stride to 1; "
                   "`#` starts a comment. Name a layer with `name:` in front; `from name` at "
                   "the end starts a branch that reads it; `add a b` and `concat a b …` join "
                   "branches. Each branch's cost shows under *By branch*.")
        st.session_state.setdefault("explorer_stack", EXAMPLE_STACK)
        st.caption("One click loads an example:")
        with st.container(horizontal=True):  # buttons as wide as their titles, wrapping
            for title, example in EXAMPLES.items():
                st.button(title, key=f"explorer_example_{title}", on_click=st.session_state
                          .__setitem__, args=("explorer_stack", example))
        text = st.text_area("Layers", height=260, key="explorer_stack")
        try:
            profile = stack_profile(text)
            st.session_state["explorer_last_good"] = text
        except CvlabError as exc:  # say what is wrong, above the last stack that parsed
            text = st.session_state.get("explorer_last_good")
            if text is None:
                raise
            error(exc)
            st.caption("Below: the last version of your stack that parsed.")
            profile = stack_profile(text)
        key = ("stack", text)
        family, title = "Custom", "your stack"
except CvlabError as exc:
    error(exc)
    st.stop()

# 2. Headline numbers and the family's story.
totals(profile)
st.caption(CONVENTION)
if source == "Your model file":
    file_notes(report)
else:
    with st.expander(f"About {family}", expanded=True):
        st.markdown(FAMILY_NOTES[family])
with st.expander("Where the course notes slip"):
    st.markdown("\n".join(f"- **{topic}** {fix}" for topic, fix in NOTE_CORRECTIONS))

# 3. Shape flow: shrink space, grow channels.
squeezes = any(r.kind == "multiply" for r in profile.layers)
hide = squeezes and st.toggle("Hide the squeeze-and-excitation side paths", True,
                              key="explorer_hide_se", help="Each block's 1×1 squeeze path "
                              "would draw a spike down to one pixel.")
st.plotly_chart(profile_figure(key, profile, "shape_flow", title, hide), width="stretch")

# 4. Where the parameters and the compute go.
by_stage, by_kind, heaviest = st.tabs(["By branch" if family == "Custom" else "By stage",
                                      "By layer kind", "Heaviest layers"])
by_stage.plotly_chart(profile_figure(key, profile, "breakdown", "stage", title,
                                     "branch" if family == "Custom" else "stage"),
                      width="stretch")
by_kind.plotly_chart(profile_figure(key, profile, "breakdown", "kind", title), width="stretch")
with heaviest:
    metric = st.radio("Rank by", ["macs", "params"], horizontal=True, key="explorer_rank",
                      format_func={"macs": "MACs", "params": "parameters"}.get)
    st.plotly_chart(profile_figure(key, profile, "per_layer", metric, title=title), width="stretch")

# 5. The per-layer table.
st.subheader("Layer by layer")
st.dataframe(layer_table(profile), width="stretch", hide_index=True, height=420,
             column_config=LAYER_COLUMNS)

# 6. Keras as the referee (the only TensorFlow on this page).
if source == "From the zoo":
    st.subheader("Check us against Keras")
    st.caption("Builds this network in Keras with random weights and counts again; where Keras "
               "Applications ships the same network, it is built and counted too.")
    checked = (name, tuple(sorted(options.items())))
    if st.button("Build in Keras and verify", key="explorer_verify", type="primary"):
        with st.spinner("Building in Keras with random weights, in a separate process. It "
                        "takes seconds for small networks and up to a minute for the largest "
                        "(EfficientNet-B7, VGG) or on a busy machine; the first check after a "
                        "server start also waits for TensorFlow to load…"):
            st.session_state["explorer_checked"] = checked, keras_check(*checked)
    result = None  # shown until the network or its options change, whatever else is clicked
    if st.session_state.get("explorer_checked", (None,))[0] == checked:
        result = st.session_state["explorer_checked"][1]
    if result is not None:
        st.table(pd.DataFrame([{
            "counted by": row["source"], "total params": f"{row['total_params']:,}",
            "trainable params": f"{row['trainable_params']:,}",
            "MACs per image": f"{row['macs']:,} ({short_count(row['macs'])})",
            "build time": f"{row['seconds']} s" if row["seconds"] is not None else "instant",
        } for row in result["rows"]]).set_index("counted by"))
        if result["match"]:
            st.success("Every count agrees with the analytic profile.")
        else:
            error("The counts disagree: please report this network and its options.")

# 7. The same network as Keras code, built from the same graph (a model file is its own).
if source != "Your model file":
    st.subheader("The Keras code")
    if source == "From the zoo":
        show_network_code(name, options)
    else:
        show_network_code(None, text=text)
