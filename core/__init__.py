"""deepmotif.core: what every package shares and nothing else. Alphabet and one-hot encoding,
FASTA reading, the base errors, atomic writes, motif arithmetic.

Imports no other `deepmotif` package and no TensorFlow: the CLI's `--help` and the model code on
a JAX-only machine import it freely.
"""
