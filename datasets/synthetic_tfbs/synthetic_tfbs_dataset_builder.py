"""`synthetic_tfbs`: real JASPAR motifs planted in random DNA, with ground truth. Needs no files."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from deepmotif.datasets import jaspar
from deepmotif.datasets.builder_folder import InOwnFolder
from deepmotif.datasets.local_builds import BuiltLocally
from deepmotif.datasets.features import example_from_record, tfbs_features
from deepmotif.datasets.readers import Record
from deepmotif.core.sequences import DEFAULT_SEQ_LEN, detokenize
from deepmotif.datasets.splits import VALIDATION_FRACTION, is_validation
from deepmotif.datasets.synthetic_tfbs import planting

PRESENCE_TFS = {"gata1": "GATA1", "ctcf": "CTCF", "rest": "REST", "spi1": "SPI1"}
# PU.1 and C/EBPbeta cooperate at myeloid enhancers; both motifs are long and distinct.
GRAMMAR_MOTIFS = ("SPI1", "CEBPB")


@dataclasses.dataclass(eq=False)
class SyntheticConfig(tfds.core.BuilderConfig):
    """One synthetic task. `motifs`: one target (presence task) or `(A, B)` (grammar task)."""

    motifs: tuple[str, ...] = ("GATA1",)
    task: str = "presence"  # or "grammar"
    decoys: tuple[str, ...] = ()
    decoy_rate: float = 0.5
    seq_len: int = DEFAULT_SEQ_LEN
    gc: float = 0.41  # human genome average
    num_train: int = 4000  # train + validation, half of them positives
    num_test: int = 1000
    validation_fraction: float = VALIDATION_FRACTION
    spacing: tuple[int, int] = (0, 20)  # grammar: allowed gap between the end of A and the start of B
    far: int = 40  # grammar: smallest gap of a "too far" negative
    min_relative_score: float = 0.8
    seed: int = 0


def _presence(name: str, tf: str, **kwargs) -> SyntheticConfig:
    decoys = tuple(t for t in PRESENCE_TFS.values() if t != tf)
    return SyntheticConfig(
        name=name,
        motifs=(tf,),
        decoys=decoys,
        description=(
            f"{tf} (JASPAR vertebrate CORE) planted once, random strand, in each positive; half of all "
            f"sequences also hold a decoy motif ({', '.join(decoys)})."
        ),
        **kwargs,
    )


CONFIGS = [
    *(_presence(name, tf) for name, tf in PRESENCE_TFS.items()),
    SyntheticConfig(
        name="grammar",
        motifs=GRAMMAR_MOTIFS,
        task="grammar",
        description=(
            "Positive only when SPI1 lies upstream of CEBPB on the + strand with 0-20 bp between them; "
            "negatives hold CEBPB before SPI1, the two 40 bp or more apart, or only one of them."
        ),
    ),
    _presence("tiny", "GATA1", num_train=400, num_test=200),
]


def motif_features() -> dict:
    """The ground-truth features `synthetic_tfbs` adds to the shared ones."""
    site = {
        "motif_id": tfds.features.Text(),
        "motif_name": tfds.features.Text(),
        "strand": tfds.features.Scalar(dtype=np.int8),
        "start": tfds.features.Scalar(dtype=np.int32),
        "end": tfds.features.Scalar(dtype=np.int32),
        "role": tfds.features.Text(),
    }
    return {"motifs": tfds.features.Sequence(site), "arrangement": tfds.features.Text()}


def generate(config: SyntheticConfig, split: str) -> list[dict]:
    """All examples of `split` (`pool` = train + validation, or `test`), deterministic in `config.seed`."""
    n = config.num_train if split == "pool" else config.num_test
    rng = np.random.default_rng([config.seed, 0 if split == "pool" else 1])
    motifs = jaspar.load_motifs(list(config.motifs) + list(config.decoys))
    widths = [len(m.probabilities) for m in motifs]
    if config.task == "grammar":
        arrangements = [
            "a_then_b" if i % 2 == 0 else planting.GRAMMAR_NEGATIVES[(i // 2) % len(planting.GRAMMAR_NEGATIVES)]
            for i in range(n)
        ]
        plans = [
            planting.grammar_plan(rng, a, widths, config.spacing, config.far, config.seq_len) for a in arrangements
        ]
    else:
        plans = [
            planting.presence_plan(rng, 1 - i % 2, widths, len(config.decoys), config.decoy_rate, config.seq_len)
            for i in range(n)
        ]
    tokens = planting.realize(rng, plans, motifs, config.seq_len, config.gc, config.min_relative_score)
    prefix = f"{config.name}_{'train' if split == 'pool' else 'test'}"
    examples = []
    for i, (plan, row) in enumerate(zip(plans, tokens)):
        sites = [
            {
                "motif_id": motifs[p.motif].matrix_id,
                "motif_name": motifs[p.motif].name,
                "strand": p.strand,
                "start": p.start,
                "end": p.end,
                "role": p.role,
            }
            for p in plan.placements
        ]
        record = Record(f"{prefix}_{i:06d}", detokenize(row), plan.label, False)
        examples.append(example_from_record(record, motifs=sites, arrangement=plan.arrangement))
    return examples


class Builder(InOwnFolder, BuiltLocally, tfds.core.GeneratorBasedBuilder):
    """Synthetic TFBS tasks with planted JASPAR motifs and their positions as ground truth."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Presence tasks (gata1, ctcf, rest, spi1, tiny) and the grammar task."}
    BUILDER_CONFIGS = CONFIGS

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfbs_features(motif_features()),
            supervised_keys=("sequence", "label"),
            homepage="https://jaspar.elixir.no/",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        return {
            "train": self._generate_examples("train"),
            "validation": self._generate_examples("validation"),
            "test": self._generate_examples("test"),
        }

    def _generate_examples(self, split: str):
        config = self.builder_config
        examples = generate(config, "test" if split == "test" else "pool")
        if split != "test":
            held_out = is_validation([e["id"] for e in examples], config.validation_fraction, config.seed)
            examples = [e for e, v in zip(examples, held_out) if v == (split == "validation")]
        for example in examples:
            yield example["id"], example
