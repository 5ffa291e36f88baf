"""Practice: the learner writes the week's blocks in Keras, and the app checks them.

One module per idea: :mod:`~cvlab.practice.exercises` (the exercises as data, the
references under ``solutions/``), :mod:`~cvlab.practice.graph` (what a block computes,
path by path), :mod:`~cvlab.practice.diagnose` (a difference in the course's terms),
:mod:`~cvlab.practice.check` (the checks, run on the learner's code),
:mod:`~cvlab.practice.sandbox` (the limited child process they run in),
:mod:`~cvlab.practice.job` (the job kind's spec and folder) and
:mod:`~cvlab.practice.access` (off beyond loopback unless ``CVLAB_PRACTICE=on``).
A page imports ``exercises``, ``job`` and ``access`` only; ``check`` and ``sandbox`` import
TensorFlow and run the learner's code, in the job process and its child.
"""
