"""deepmotif.cli: the `deepmotif` command line and the commands that combine packages (demo,
dashboard). The top layer: it imports `datasets`, `zoo` and `interpret`; they never import it.
Parsers are built without TensorFlow; each handler imports what it runs."""
