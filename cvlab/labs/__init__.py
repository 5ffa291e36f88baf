"""The cost labs' arithmetic: each lab builds a small graph and reads the profiler's records.

No lab has a cost formula of its own; a formula shown to the learner (such as
1/N + 1/K²) is set beside the profiler's count so the two can be compared.
"""
