"""`--runner`, `--beam-option` and `--temp-dir`: running `deepmotif scan` / `variants` on Apache Beam.

Without `--runner` a command runs in this process. With it, the scoring runs as a Beam job
(`deepmotif.zoo.beam`; the `[beam]` extra) and the driver merges the workers' parts into the same
output files. Commands and options per runner: docs/genome_scale.md.
"""

from __future__ import annotations

import sys

RUNNER_HELP = """\
Apache Beam (genome scale; `pip install "deepmotif-zoo[beam]"`):
  --runner direct    Beam's local batch engine (FnApiRunner); --beam-option direct_num_workers=4
                     --beam-option direct_running_mode=multi_processing to use 4 processes
  --runner flink     --beam-option flink_master=HOST:8081 --beam-option environment_type=DOCKER ...
  --runner spark     --beam-option spark_master_url=spark://HOST:7077 ...
  --runner dataflow  --beam-option project=P --beam-option region=R --beam-option temp_location=gs://B/tmp
                     --temp-dir gs://B/deepmotif ...
  Elements that fail are listed in OUT.failed.tsv (exit status 1); the rest is written as usual.
"""


def add_runner_arguments(parser) -> None:
    """Add `--runner`, `--beam-option KEY=VALUE` (repeatable) and `--temp-dir` to a subcommand."""
    group = parser.add_argument_group("Apache Beam")
    group.add_argument("--runner", choices=("direct", "flink", "spark", "dataflow"), default=None,
                       help="run the scoring as an Apache Beam job on this runner (default: in this process)")
    group.add_argument("--beam-option", action="append", default=[], metavar="KEY=VALUE",
                       help="a Beam pipeline option, its flag without -- (direct_num_workers=2, "
                            "save_main_session); repeatable")
    group.add_argument("--temp-dir", default=None, metavar="DIR",
                       help="folder for the job's parts, readable by driver and workers (gs://... on Dataflow; "
                            "default: --beam-option temp_location, else the system temp folder for direct)")


def beam_job(args):
    """`(PipelineOptions, temp_dir)` from the parsed arguments; `DeepMotifError` when incomplete."""
    from deepmotif.core.errors import DeepMotifError

    try:
        from deepmotif.zoo.beam.runners import parse_beam_options, pipeline_options
    except ImportError as e:  # apache_beam missing
        raise DeepMotifError(f"--runner needs Apache Beam ({e}); pip install \"deepmotif-zoo[beam]\"") from e
    options = parse_beam_options(args.beam_option)
    pipeline = pipeline_options(args.runner, options)
    temp_dir = args.temp_dir or options.get("temp_location")
    if temp_dir is None and args.runner == "direct":
        import tempfile

        temp_dir = tempfile.gettempdir()
    if temp_dir is None:
        raise DeepMotifError(f"--runner {args.runner} needs --temp-dir: a folder the driver and every worker can "
                             "read and write (gs://BUCKET/deepmotif on Dataflow, a shared path or hdfs:// elsewhere)")
    return pipeline, str(temp_dir)


def check_runner_arguments(args) -> None:
    """Check the Beam arguments before anything is loaded (`beam_job` raises what is wrong); Beam
    options without `--runner` are a mistake, not something to ignore."""
    from deepmotif.core.errors import DeepMotifError

    if args.runner is None and (args.beam_option or args.temp_dir):
        raise DeepMotifError("--beam-option and --temp-dir apply to Beam jobs only; "
                             "add --runner direct|flink|spark|dataflow")
    if args.runner is not None:
        beam_job(args)


def report_failures(failures, out) -> int:
    """Write `OUT.failed.tsv` and say so; returns the exit status (1 if anything failed, else 0)."""
    if not failures:
        return 0
    from deepmotif.zoo.beam.shards import write_failures

    path = f"{out}.failed.tsv"
    write_failures(path, failures)
    print(f"{len(failures)} Beam elements failed and are missing from {out}; listed in {path}. First: "
          f"{failures[0].key} ({failures[0].stage}): {failures[0].error}", file=sys.stderr)
    return 1


def driver_genome(args) -> str:
    """The genome path this process opens: `--genome`, or with `--runner` a local copy of a remote one."""
    if args.runner is None or "://" not in str(args.genome):
        return args.genome
    from deepmotif.zoo.beam.shards import local_genome

    return local_genome(args.genome)
