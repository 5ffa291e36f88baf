""""Show the Keras code": one expander, with the code and a download of it as a .py file,
for everything the app builds (a zoo network, your own stack, a training set-up, a
dataset folder). The code comes from cvlab's code generators, cached on what it is made
from; making it needs no TensorFlow."""

from __future__ import annotations

from dataclasses import astuple

import streamlit as st

from cvlab import zoo
from cvlab.data.codegen import dataset_code
from cvlab.data.scan import ScanReport, class_folders
from cvlab.errors import CvlabError
from cvlab.keras.codegen import STACK_TITLE, network_code, zoo_title
from cvlab.train.codegen import model_file_code, training_code
from cvlab.train.config import DEFAULTS, TrainConfig
from cvlab.zoo.stack import parse_stack
from ui.messages import error

TITLE = "Show the Keras code"


def show_code(title: str, source: str, file_name: str) -> None:
    """An expander titled ``title`` with ``source`` as Python and a download of it."""
    with st.expander(title):
        st.download_button(f"Download {file_name}", source, file_name=file_name,
                           mime="text/x-python", key=f"keras_code_download:{file_name}")
        st.code(source, language="python", line_numbers=True)


@st.cache_data(show_spinner=False, max_entries=64)
def zoo_code(name: str, options: tuple) -> str:
    """The module building zoo network ``name`` with ``options`` (sorted items)."""
    chosen = dict(options)
    return network_code(zoo.get(name, **chosen), zoo_title(name, chosen))


@st.cache_data(show_spinner=False, max_entries=64)
def stack_code(text: str) -> str:
    return network_code(parse_stack(text), STACK_TITLE)


def show_network_code(name: str | None, options: dict | None = None,
                      text: str | None = None) -> None:
    """The expander for zoo network ``name`` with ``options``, or for the stack ``text``."""
    if name is not None:
        show_code(TITLE, zoo_code(name, tuple(sorted((options or {}).items()))), f"{name}.py")
    else:
        show_code(TITLE, stack_code(text), "my_stack.py")


@st.cache_data(show_spinner=False, max_entries=32)
def _training_code(fields: tuple, classes: int) -> str:
    config = TrainConfig(*fields)
    return (model_file_code if config.model_file else training_code)(config, classes)


def show_training_code(config: TrainConfig) -> None:
    """The expander for the Training Studio's current settings on its folder."""
    try:
        source = _training_code(astuple(config), class_folders(config.data_dir))
    except (CvlabError, OSError) as exc:
        with st.expander(TITLE):
            error(exc)
        return
    show_code(TITLE, source, "train.py")


def show_dataset_code(report: ScanReport) -> None:
    """The expander for the scanned folder, read as the trainer's defaults read it."""
    skipped = tuple((report.relative(s.path), s.reason) for s in report.skipped)
    show_code(TITLE, _dataset_code(str(report.root), skipped), "dataset.py")


@st.cache_data(show_spinner=False, max_entries=32)
def _dataset_code(root: str, skipped: tuple) -> str:
    return dataset_code(root, image_size=DEFAULTS["image_size"],
                        batch_size=DEFAULTS["batch_size"],
                        val_fraction=DEFAULTS["val_fraction"], seed=DEFAULTS["seed"],
                        test_fraction=DEFAULTS["test_fraction"], skipped=skipped)
