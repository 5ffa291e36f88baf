"""A model cached with st.cache_resource survives the keras.backend.clear_session() that
Streamlit runs after every script run: the same object, the same predictions."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cvlab import lazy_tf

pytestmark = pytest.mark.slow


def script():
    import numpy as np
    import streamlit as st

    from ui.cached import run_model

    model = run_model(st.session_state["run"], 0.0)
    st.session_state.setdefault("seen", []).append(
        (id(model), float(model.predict(np.full((1, 8, 8, 3), 100.0), verbose=0)[0, 0])))


def test_cached_model_survives_streamlits_clear_session(tmp_path, monkeypatch):
    keras = lazy_tf.keras()
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Dense(2, activation="softmax")(
        keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs)))
    keras.Model(inputs, outputs).save(tmp_path / "model.keras")
    cleared = []
    original = keras.backend.clear_session
    monkeypatch.setattr(keras.backend, "clear_session",
                        lambda *a, **k: (cleared.append(1), original(*a, **k)))
    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["run"] = str(tmp_path)
    for _ in range(3):
        at.run()
        assert not at.exception
    seen = at.session_state["seen"]
    assert len(cleared) >= 2, "Streamlit cleared the Keras session between runs"
    assert len({model_id for model_id, _ in seen}) == 1, "one cached model"
    assert len({value for _, value in seen}) == 1, "the same prediction every run"
