"""A learner's own Keras model file: stored safely, read in a job process, profiled like a
zoo network."""
