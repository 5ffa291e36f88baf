"""Compound scaling lab: EfficientNet grows depth, width and resolution together."""

import pandas as pd
import streamlit as st

from cvlab.labs.compound import ALPHA, BETA, GAMMA, multipliers, variants
from cvlab.report import CONVENTION, short_count
from ui import labs
from ui.layout import page_setup

page_setup(
    __file__,
    "One knob, φ, grows EfficientNet-B0's depth, width and input size together. Every "
    "network below is built from B0 and counted by the profiler.",
)
st.caption(CONVENTION + " The EfficientNet paper's FLOPs are these multiply-adds "
           "(B0: 0.39 B).")

# 1. The φ slider.
st.header("1 · One coefficient for three dimensions")
left, right = st.columns([1, 2])
with left:
    phi = st.slider("Compound coefficient φ", 0.0, 3.0, 1.0, step=0.25, key="scale_phi")
    m = multipliers(phi)
    st.metric("Depth $d = \\alpha^\\phi$", f"×{m.depth:.3f}",
              help=f"α = {ALPHA} (EfficientNet's depth base, not MobileNet's width α): "
                   "more blocks per stage")
    st.metric("Width $w = \\beta^\\phi$", f"×{m.width:.3f}",
              help=f"β = {BETA}: more channels per layer")
    st.metric("Resolution $r = \\gamma^\\phi$", f"×{m.resolution:.3f}",
              help=f"γ = {GAMMA}: {round(224 * m.resolution)} px instead of 224")
    st.metric("Predicted compute $d \\cdot w^2 \\cdot r^2$", f"×{m.predicted_growth:.2f}",
              delta=f"exact doubling: ×{m.two_to_phi:.2f}", delta_color="off",
              delta_arrow="off")
with right:
    st.markdown(
        f"Compute grows linearly with depth but with the **square** of width (every layer "
        f"has more inputs *and* more outputs) and of resolution (more pixels in both "
        f"directions). The paper (Tan & Le 2019, §3.3) picked "
        f"$\\alpha \\beta^2 \\gamma^2 = {ALPHA} \\cdot {BETA}^2 \\cdot {GAMMA}^2 = "
        f"{ALPHA * BETA**2 * GAMMA**2:.3f} \\approx 2$, so the rule predicts that each step "
        "of φ about doubles the compute.")
    st.plotly_chart(labs.multiplier_curves(phi), width="stretch")

rows, rows_figure = labs.equal_macs(phi)
real = rows[0].macs / variants()[0].macs
st.markdown(
    f"**Predicted against built.** The rule predicts ×{m.predicted_growth:.2f} at φ = {phi:g}; "
    f"the network built at that φ really costs **×{real:.2f}** B0's MACs. The two differ "
    "because a real network has whole blocks and whole channels: each stage's block count "
    "is rounded *up* (a stage of 1 block times 1.2 becomes 2), channels are rounded to "
    "multiples of 8, the input to whole pixels, and the stem and head do not scale the same "
    "way as the blocks. The rounding is small on wide stages and large on short ones.")

# 2. One dimension against all three, at equal MACs.
st.header("2 · Spend the same compute three other ways")
st.markdown(
    f"At φ = {phi:g} the compound network needs **{short_count(rows[0].macs)}** MACs. Each other "
    "network gets about the same by growing only one dimension of B0, as far as it takes. "
    "The EfficientNet paper found that each single dimension's accuracy gain fades as it "
    "grows (a very wide but shallow net misses higher-level features; a much deeper one "
    "is hard to train), and that at equal FLOPs the balanced network was the most accurate.")
st.dataframe(pd.DataFrame([{
    "grows": r.label, "depth ×": round(r.depth, 2), "blocks": r.blocks,
    "width ×": round(r.width, 2), "input (px)": r.resolution, "params": r.params,
    "MACs": r.macs, "MACs vs compound": f"{r.macs / rows[0].macs:.2f}"} for r in rows]),
    hide_index=True, width="stretch",
    column_config={"params": st.column_config.NumberColumn(format="localized"),
                   "MACs": st.column_config.NumberColumn(format="localized")})
st.plotly_chart(rows_figure, width="stretch")

# 3. The released B0–B7.
st.header("3 · The released B0–B7")
st.markdown("The released models are not roundings of $\\alpha^\\phi$, $\\beta^\\phi$, "
            "$\\gamma^\\phi$: their width and depth coefficients and input sizes are set by "
            "hand in the reference code's table (B1 is width 1.0, depth 1.1 at 240 px, where "
            "φ = 1 would give width 1.1, depth 1.2 and 258 px). That table is what we build.")
st.dataframe(pd.DataFrame([{
    "model": f"EfficientNet-{v.name}", "width coefficient": v.width,
    "depth coefficient": v.depth, "input (px)": v.resolution, "params": v.params,
    "MACs": v.macs, "MACs / B0": round(v.macs_vs_b0, 2)} for v in variants()]),
    hide_index=True, width="stretch",
    column_config={"params": st.column_config.NumberColumn(format="localized"),
                   "MACs": st.column_config.NumberColumn(format="localized")})
