"""Experiments that reproduce a claim of the course with real training runs.

Each one is a function returning one JSON-ready object (what ``python -m cvlab experiment
NAME --json`` prints) and, given a job folder, reporting through
:mod:`cvlab.jobfolder`. Importing this package does not import TensorFlow.
"""
