"""Which Beam runner a job runs on, and the `PipelineOptions` it gets.

`--runner direct` is Beam's local batch engine (`FnApiRunner`, what `DirectRunner` runs batch
pipelines on), named explicitly because `DirectRunner` first tries to download the Prism runner
binary from GitHub; `direct_num_workers` and `direct_running_mode` (`in_memory`,
`multi_threading`, `multi_processing`) apply to it. `flink`, `spark` and `dataflow` are Beam's
portable runners for those clusters (docs/genome_scale.md has their commands).
"""

from __future__ import annotations

import contextlib
import io

from deepmotif.core.errors import DeepMotifError, UnknownNameError

RUNNERS = {"direct": "FnApiRunner", "flink": "FlinkRunner", "spark": "SparkRunner", "dataflow": "DataflowRunner"}
# Options a runner cannot start without (Beam would fail later, less clearly).
REQUIRED = {"dataflow": ("project", "region", "temp_location")}


class BeamOptionError(DeepMotifError, ValueError):
    """A `--beam-option` Beam does not know, or a runner started without what it needs."""


def parse_beam_options(pairs) -> dict:
    """`["key=value", "flag", ...]` -> `{"key": "value", "flag": True}` (as `--beam-option` gives them)."""
    options = {}
    for pair in pairs or ():
        key, sep, value = str(pair).partition("=")
        key = key.strip().lstrip("-").replace("-", "_")
        if not key:
            raise BeamOptionError(f"--beam-option {pair!r}: expected KEY=VALUE (or KEY for a flag)")
        if key == "runner":
            raise BeamOptionError("choose the runner with --runner, not --beam-option runner=...")
        options[key] = value if sep else True
    return options


def pipeline_options(runner: str, options: dict | None = None):
    """`PipelineOptions` for `runner` (`direct`, `flink`, `spark`, `dataflow`) and `options`.

    Parameters
    ----------
    runner : str
        A key of `RUNNERS`.
    options : dict, optional
        Beam pipeline options by their flag names without `--` (`{"direct_num_workers": "2"}`,
        `{"extra_package": "dist/deepmotif_zoo-0.1.0.tar.gz"}`); `True` is a flag without a value.

    Returns
    -------
    apache_beam.options.pipeline_options.PipelineOptions
        Raises `UnknownNameError` for an unknown runner, `BeamOptionError` for options no Beam
        options class defines, or ones the runner requires that are missing.
    """
    from apache_beam.options.pipeline_options import PipelineOptions

    if runner not in RUNNERS:
        raise UnknownNameError("Beam runner", runner, RUNNERS)
    options = dict(options or {})
    flags = [f"--runner={RUNNERS[runner]}"]
    flags += [f"--{key}" if value is True else f"--{key}={value}" for key, value in options.items()]
    parsed = PipelineOptions(flags)
    usage = io.StringIO()
    try:
        with contextlib.redirect_stderr(usage):  # argparse prints Beam's whole usage, then exits
            known = parsed.get_all_options()
            unknown = sorted(set(parsed.get_all_options(retain_unknown_options=True)) - set(known))
    except SystemExit:
        problem = usage.getvalue().strip().splitlines()[-1].split("error: ", 1)[-1]
        raise BeamOptionError(f"--beam-option: {problem}") from None
    if unknown:  # Beam itself would only log "Discarding unparseable args"
        raise UnknownNameError("Beam pipeline option", unknown[0], known)
    missing = [key for key in REQUIRED.get(runner, ()) if not known.get(key)]
    if missing:
        raise BeamOptionError(f"--runner {runner} needs " + ", ".join(f"--beam-option {k}=..." for k in missing))
    return parsed
