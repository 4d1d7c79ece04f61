"""The "Published models" table of exported_models/README.md, rendered from the manifest.

    python bench/published_table.py            # rewrite the table in exported_models/README.md
    python bench/published_table.py --check    # exit 1 if the README's table differs from the manifest

One row per experiment (`<name>` of `<name>.<arch>`), one column per architecture. A cell is the
published version's test auROC with its 95% bootstrap interval and the version; for a model published
from several seeds (`deepmotif compare --seeds`), the published seed and the seeds' mean ± sd follow.
The table sits between `<!-- published table start -->` and `<!-- published table end -->`; the prose
around it is written by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from deepmotif.core import atomic

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "zoo" / "published_models.json"
README = ROOT / "exported_models" / "README.md"
START, END = "<!-- published table start -->", "<!-- published table end -->"
ARCHS = ("cnn", "cnn_rnn", "rnn")


def _number(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def cell(entry: dict | None) -> str:
    """One model's cell: `auroc [low, high] (vN)`; for a seeded version also which seed was published
    (the median validation auROC) and the seeds' mean ± sd."""
    if entry is None:
        return "-"
    metrics = entry.get("metrics", {})
    text = _number(metrics.get("test_auroc"))
    if metrics.get("test_auroc_ci"):
        low, high = metrics["test_auroc_ci"]
        text += f" [{low:.3f}, {high:.3f}]"
    extra = f"v{entry['version']}"
    if metrics.get("seeds"):
        extra += (f"; seed {metrics['published_seed']} published; {len(metrics['seeds'])} seeds "
                  f"{metrics['seeds_test_auroc_mean']:.3f} ± {metrics['seeds_test_auroc_sd']:.3f}")
    return f"{text} ({extra})"


def render(manifest: dict) -> str:
    """The markdown table of every manifest entry; ENCODE experiments first, then the synthetic sets."""
    rows: dict[str, dict[str, dict]] = {}
    for entry in manifest.get("models", []):
        base, arch = entry["name"].rsplit(".", 1)
        rows.setdefault(base, {})[arch] = entry
    order = sorted(rows, key=lambda base: (base.startswith("synthetic_"), base))
    lines = ["| model (`<name>.<arch>`) | " + " | ".join(ARCHS) + " | DeepBind* | DeepBind |",
             "|---|" + "---|" * (len(ARCHS) + 2)]
    for base in order:
        entries = rows[base]
        metrics = next(iter(entries.values())).get("metrics", {})
        lines.append(f"| `{base}` | " + " | ".join(cell(entries.get(a)) for a in ARCHS)
                     + f" | {_number(metrics.get('deepbind_star_auroc'))} | {_number(metrics.get('deepbind_auroc'))} |")
    return "\n".join(lines) + "\n"


def replace_table(text: str, table: str, source: str = "README") -> str:
    """`text` with the block between the markers replaced by `table`."""
    if START not in text or END not in text:
        raise SystemExit(f"{source}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the table is stale")
    args = parser.parse_args(argv)
    text = args.readme.read_text()
    manifest = json.loads(args.manifest.read_text())
    updated = replace_table(text, render(manifest), str(args.readme))
    if args.check:
        if updated != text:
            print(f"{args.readme}: the published-models table differs from {args.manifest}; "
                  f"run python bench/published_table.py", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        atomic.write_text(args.readme, updated)
    print(f"{args.readme}: {len(manifest.get('models', []))} models in the table")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
