"""A page's settings in its URL: a reload, a bookmark or a link on a teacher's slide opens
the page in the same state.

Each run, :func:`restore` (once per page and session) takes the page's settings from the
query string into ``st.session_state``, and :func:`mirror` writes their current values
back. Values travel as compact JSON. They are checked like any input: a folder must lie
under the data roots; a value of the wrong type or out of a control's range makes the
control raise, and :func:`rejected` (called by ``app.py`` around the page) drops every
value the link brought, says so, and runs the page again.
"""

from __future__ import annotations

import json

import streamlit as st

from cvlab.data.roots import resolve_allowed
from cvlab.errors import CvlabError
from ui.page_memory import AUGMENTATION, kept

FOLDER = "dataset_dir"  # the Datasets page's folder, which the training pages train on
#: Which settings each page keeps in its URL: key prefixes (a key equal to an entry, or
#: starting with an entry that ends in ``_``, is the page's).
PAGE_KEYS = {
    "architecture_explorer.py": ("explorer_",),
    "compare_models.py": ("compare_",),
    "resnet_lab.py": ("resnet_",),
    "feature_maps.py": ("fm_",),
    "inception_lab.py": ("inc_",),
    "mobilenet_lab.py": ("mob_",),
    "scaling_lab.py": ("scale_",),
    "datasets.py": ("datasets_", "folder_text", FOLDER),
    "training_studio.py": ("train_", FOLDER),
    "transfer_lab.py": ("curve_", "ft_", FOLDER),
}
MAX_CHARS = 2000  # a value longer than this (a long layer stack) stays out of the URL
_RESTORED, _REJECTED = "_url_restored", "_url_rejected"


def _mine(page: str, key: str) -> bool:
    if page == "augmentation_studio.py":
        return key in AUGMENTATION
    prefixes = PAGE_KEYS.get(page, ())
    ours = any(key == p or (p.endswith("_") and key.startswith(p)) for p in prefixes)
    return ours and (key == FOLDER or kept(key))


def restore(page: str) -> None:
    """Take ``page``'s settings from the URL, the first time the session opens the page."""
    done = st.session_state.setdefault("_url_pages", set())
    if page in done:
        return
    done.add(page)
    restored = []
    for key in [k for k in st.query_params if _mine(page, k) and k not in st.session_state]:
        try:
            value = json.loads(st.query_params[key])
            if not isinstance(value, str | int | float | bool | list):
                raise ValueError(type(value).__name__)
            if key == FOLDER:
                value = str(resolve_allowed(value))
        except (ValueError, CvlabError) as exc:
            st.session_state.setdefault(_REJECTED, []).append(f"{key} ({exc})")
            del st.query_params[key]
            continue
        st.session_state[key] = value
        restored.append(key)
    st.session_state[_RESTORED] = restored


def mirror(page: str) -> None:
    """Write ``page``'s current settings into the URL (only those that changed)."""
    for key in [k for k in st.session_state if isinstance(k, str) and _mine(page, k)]:
        value = st.session_state[key]
        if not isinstance(value, str | int | float | bool | list | tuple):
            continue
        text = json.dumps(list(value) if isinstance(value, tuple) else value,
                          separators=(",", ":"), ensure_ascii=False)
        if len(text) <= MAX_CHARS and st.query_params.get(key) != text:
            st.query_params[key] = text


def rejected() -> bool:
    """After the page raised: drop the values the link brought, if any, so that the next
    run says so and uses the defaults. ``False`` when the link brought none (the error
    is the page's own)."""
    restored = st.session_state.pop(_RESTORED, [])
    if not restored:
        return False
    for key in restored:
        st.session_state.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
    st.session_state.setdefault(_REJECTED, []).extend(restored)
    return True


def settled() -> None:
    """The page ran to its end with the link's values: they are no longer suspects."""
    st.session_state.pop(_RESTORED, None)


def rejected_note() -> str | None:
    """What the link's settings that could not be used were (once), for the page to show."""
    keys = st.session_state.pop(_REJECTED, None)
    if not keys:
        return None
    return ("This link's settings " + ", ".join(keys) + " could not be used (a value of the "
            "wrong kind, out of range, or a folder outside the data folders); the defaults "
            "are shown instead.")
