"""Genome-scale scanning and variant scoring on Apache Beam (the `[beam]` extra).

`model_handler` runs an exported SavedModel inside `RunInference`; `scan_pipeline` and
`variant_pipeline` build the jobs behind `deepmotif scan/variants --runner ...`; `shards` writes
each worker's rows to sharded files and merges them into the files the local path writes.
Nothing here is imported by `deepmotif.zoo` itself: `apache_beam` loads only when a job runs.
"""
