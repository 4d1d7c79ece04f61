"""HTML for the Deep Motif Dashboard: a summary dict in, one self-contained page out.

No scripts, no fonts, no network: inline CSS and relative links to PNGs beside the page,
so `index.html` opens from disk anywhere. Every value shown is escaped.
"""

from __future__ import annotations

import json
from html import escape

from deepmotif.zoo.intervals import format_interval, versus

CITATION = ("Lanchantin J, Singh R, Wang B, Qi Y. Deep Motif Dashboard: Visualizing and Understanding "
            "Genomic Sequences Using Deep Neural Networks. Pacific Symposium on Biocomputing 22:254-265 (2017).")

STYLE = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:14px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cfd8dc;font-size:14px}
nav{background:#37474f;padding:6px 28px}nav a{color:#eceff1;margin-right:18px;font-size:14px;text-decoration:none}
main{padding:8px 28px 40px;max-width:1500px}section{margin-top:26px}
h2{font-size:18px;border-bottom:2px solid #cfd8dc;padding-bottom:4px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;font-size:14px;background:#fff}
th,td{border:1px solid #cfd8dc;padding:4px 10px;text-align:left}
th{background:#eceff1}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best td{font-weight:bold}
tr.reference td{color:#555;font-style:italic}
img{max-width:100%;background:#fff;border:1px solid #e0e0e0}.note{color:#555;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:16px}
.card{background:#fff;border:1px solid #cfd8dc;padding:10px 14px;flex:1 1 380px}
code,pre{font-size:12px;background:#eceff1;padding:1px 4px}pre{padding:8px;overflow-x:auto;max-height:320px}
footer{color:#666;font-size:12px;padding:10px 28px 30px}
"""


def _num(value, digits: int = 3) -> str:
    if value is None:
        return "&ndash;"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return escape(str(value))


def _img(src: str, alt: str) -> str:
    return f'<img src="{escape(src)}" alt="{escape(alt)}">'


def _name(name: str, planted) -> str:
    """A JASPAR motif name, marked when it is one of the motifs planted in the data (ground truth)."""
    planted_names = {str(p).upper() for p in planted}
    return f"<b>{escape(name)} (planted)</b>" if name.upper() in planted_names else escape(name)


def _matches_table(matches: list[dict], planted=()) -> str:
    """Best JASPAR matches of class-optimization windows, grouped by window."""
    if not matches:
        return '<p class="note">No JASPAR match.</p>'
    rows = "".join(
        f"<tr><td>[{m['window'][0]}, {m['window'][1]})</td><td>{_name(str(m.get('name', '')), planted)}</td>"
        f"<td><code>{escape(str(m.get('id', '')))}</code></td>"
        f"<td class=num>{_sci(m.get('p_value'))}</td><td class=num>{_sci(m.get('q_value'))}</td></tr>"
        for m in matches)
    return ("<table><tr><th>window</th><th>JASPAR motif</th><th>matrix id</th><th>p-value</th><th>q-value</th></tr>"
            f"{rows}</table>")


def _sci(value) -> str:
    if value is None:
        return "&ndash;"
    return f"{float(value):.2e}"


def _with_interval(metrics: dict, key: str) -> str:
    """`0.952 [0.941, 0.962]` (the 95% bootstrap interval when the metrics hold one)."""
    if metrics.get(key) is None:
        return "&ndash;"
    return escape(format_interval(metrics[key], metrics.get(f"{key}_ci")))


def _metrics_section(s: dict) -> str:
    models = s["models"]
    best = max((m["test"]["auroc"] for m in models if m.get("test")), default=None)
    references = s.get("reference", [])
    rows = []
    for m in models:
        t, v = m.get("test") or {}, m.get("validation") or {}
        cls = ' class="best"' if best is not None and t.get("auroc") == best else ""
        verdicts = "".join(
            f"<td>{escape(versus(t['auroc_ci'], ref['auroc'])) if t.get('auroc_ci') else '&ndash;'}</td>"
            for ref in references)
        rows.append(
            f"<tr{cls}><td>{escape(m['label'])}</td><td class=num>{_with_interval(t, 'auroc')}</td>"
            f"<td class=num>{_with_interval(t, 'auprc')}</td><td class=num>{_num(t.get('n'), 0)}</td>"
            f"<td class=num>{_num(v.get('auroc'))}</td><td class=num>{_num(m.get('epochs'), 0)}</td>"
            f"<td class=num>{_num(m.get('train_seconds'), 0)}</td>{verdicts}</tr>")
    for ref in references:
        rows.append(f'<tr class="reference"><td>{escape(ref["label"])} (published)</td>'
                    f"<td class=num>{_num(ref.get('auroc'))}</td><td class=num>&ndash;</td>"
                    "<td></td><td></td><td></td><td></td>" + "<td></td>" * len(references) + "</tr>")
    table = ("<table><tr><th>model</th><th>test auROC [95% CI]</th><th>test auPRC [95% CI]</th><th>n test</th>"
             "<th>validation auROC</th><th>epochs</th><th>train s</th>"
             + "".join(f"<th>vs {escape(ref['label'])}</th>" for ref in references)
             + "</tr>" + "".join(rows) + "</table>")
    return (f'<section id="metrics"><h2>Test performance</h2>{table}'
            f'<p class="note">{escape(s.get("metrics_note", ""))}</p>'
            f'{_img(s["images"]["metrics"], "ROC and precision-recall curves")}</section>')


def _motif_text(motifs: list[dict]) -> str:
    if not motifs:
        return ""
    parts = [f"{m.get('motif_name', '?')} {'+' if int(m.get('strand', 1)) > 0 else '-'} "
             f"[{m['start']}, {m['end']}){' (decoy)' if m.get('role') == 'decoy' else ''}" for m in motifs]
    return " &middot; planted: " + escape("; ".join(parts))


def _sequences_section(s: dict) -> str:
    blocks = []
    for seq in s["sequences"]:
        scores = ", ".join(f"{k} {v:.3f}" for k, v in seq["scores"].items())
        label = "" if seq["label"] is None else f"label {seq['label']}; "
        blocks.append(f"<h3>{escape(seq['id'])} <span class=note>({label}"
                      f"P(bound): {escape(scores)}{_motif_text(seq.get('motifs'))})</span></h3>"
                      + _img(seq["saliency_image"], f"saliency maps of {seq['id']}"))
    return ('<section id="saliency"><h2>Saliency maps</h2><p class="note">'
            f'{escape(s.get("saliency_note", ""))}</p>' + "".join(blocks) + "</section>")


def _temporal_section(s: dict) -> str:
    blocks = [f"<h3>{escape(seq['id'])}</h3>" + _img(seq["temporal_image"], f"temporal output scores of {seq['id']}")
              for seq in s["sequences"] if seq.get("temporal_image")]
    if not blocks:
        blocks = ['<p class="note">No recurrent model (rnn or cnn_rnn) on this page.</p>']
    return ('<section id="temporal"><h2>Temporal output scores</h2><p class="note">'
            f'{escape(s.get("temporal_note", ""))}</p>' + "".join(blocks) + "</section>")


def _composition_note(check: dict | None) -> str:
    """Say so when a homopolymer outscores most real positives: the logo then shows base runs, not motifs."""
    if not check or not check.get("rewards_composition"):
        return ""
    base = check["best_homopolymer"]
    return (f'<p class="note"><b>This model rewards base composition:</b> poly-{escape(base)} '
            f"(logit {_num(check['homopolymer_logits'][base], 2)}) scores above "
            f"{100 * check['positives_below_it']:.0f}% of the bound test sequences, so its optimized input is "
            "runs of single bases rather than a motif.</p>")


def _optimization_section(s: dict) -> str:
    blocks = []
    for o in s["optimization"]:
        blocks.append(f"<h3>{escape(o['label'])} <span class=note>(P(bound) of the optimized input "
                      f"{_num(o.get('probability'))}; most informative window shaded)</span></h3>"
                      + _img(o["image"], f"class optimization of {o['label']}")
                      + _composition_note(o.get("composition"))
                      + _matches_table(o["matches"], s.get("planted", ())))
    return ('<section id="optimization"><h2>Class optimization</h2><p class="note">'
            f'{escape(s.get("optimization_note", ""))}</p>' + "".join(blocks) + "</section>")


def _filters_section(s: dict) -> str:
    blocks = []
    for f in s["filters"]:
        rows = "".join(
            f"<tr><td>{escape(str(item['filter']))}</td><td>{escape(str(item.get('n_sites', '')))}</td>"
            f"<td class=num>{_num(item.get('bits'), 1)}</td><td class=num>{_num(item.get('influence'), 2)}</td>"
            f"<td>{', '.join(_name(m['name'], s.get('planted', ())) for m in item['matches'][:3]) or '&ndash;'}</td>"
            f"<td class=num>{_sci(item['matches'][0]['q_value']) if item['matches'] else '&ndash;'}</td></tr>"
            for item in f["filters"])
        tally = f.get("planted_tally") or {}
        found = (f'<p class="note">Best match a planted motif (or tied with one): {tally["shown_planted_best"]} of the '
                 f'{tally["shown"]} filters shown, {tally["planted_best"]} of all {tally["filters"]} filters '
                 "with sites.</p>") if tally else ""
        blocks.append(f"<h3>{escape(f['label'])}</h3>" + _img(f["image"], f"first-layer filters of {f['label']}")
                      + found + "<table><tr><th>filter</th><th>sites</th><th>bits</th><th>influence</th>"
                      "<th>best JASPAR matches</th><th>best q-value</th></tr>" + rows + "</table>")
    if not blocks:
        blocks = ['<p class="note">No convolutional model (cnn or cnn_rnn) on this page.</p>']
    return ('<section id="filters"><h2>First-layer filter motifs</h2><p class="note">'
            f'{escape(s.get("filters_note", ""))}</p>' + "".join(blocks) + "</section>")


def _models_section(s: dict) -> str:
    cards = []
    for m in s["models"]:
        exported = m.get("exported")
        where = (f"<p>SavedModel: <code>{escape(exported)}</code></p>" if exported else
                 '<p class="note">Not exported. <code>deepmotif export RUN_DIR --name NAME</code> writes a '
                 "TF Serving SavedModel with its model card.</p>")
        card = m.get("card")
        body = (f"<details><summary>model card</summary><pre>{escape(json.dumps(card, indent=2, default=str))}</pre>"
                "</details>" if card else "")
        cards.append(f'<div class="card"><h3>{escape(m["label"])}</h3><p>run: <code>{escape(m["run_dir"])}</code></p>'
                     f"{where}<details><summary>training configuration</summary><pre>"
                     f"{escape(json.dumps(m.get('config', {}), indent=2, default=str))}</pre></details>{body}</div>")
    return '<section id="models"><h2>Models</h2><div class="cards">' + "".join(cards) + "</div></section>"


def _planted_line(s: dict) -> str:
    if not s.get("planted"):
        return ""
    return f"<p>Ground truth (planted JASPAR motifs): {escape(', '.join(s['planted']))}</p>"


def render_page(s: dict) -> str:
    """The per-TF dashboard page for summary `s` (see `dashboard.build_dashboard`)."""
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("metrics", "Performance"), ("saliency", "Saliency"), ("temporal", "Temporal"),
        ("optimization", "Class optimization"), ("filters", "Filter motifs"), ("models", "Models")))
    if s.get("index_href"):
        nav = f'<a href="{escape(s["index_href"])}">&larr; all TFs</a>' + nav
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(s['title'])} &middot; Deep Motif Dashboard</title><style>{STYLE}</style></head><body>"
            f"<header><h1>Deep Motif Dashboard: {escape(s['title'])}</h1><p>{escape(s['dataset'])} &middot; "
            f"{escape(s.get('description', ''))}</p>{_planted_line(s)}</header><nav>{nav}</nav><main>"
            + _metrics_section(s) + _sequences_section(s) + _temporal_section(s) + _optimization_section(s)
            + _filters_section(s) + _models_section(s)
            + f"</main><footer>Generated {escape(s.get('generated', ''))} by <code>deepmotif dashboard</code> "
            f"(settings: <code>{escape(json.dumps(s.get('settings', {}), sort_keys=True))}</code>). "
            f"Cite: {escape(CITATION)}</footer></body></html>\n")


def render_index(entries: list[dict]) -> str:
    """The index page: one row per TF page; `entries` hold `href`, `title`, `dataset`, `models`."""
    archs = list(dict.fromkeys(m["label"] for e in entries for m in e["models"]))  # first-seen order
    head = "".join(f"<th>{escape(a)} auROC</th>" for a in archs)
    rows = []
    for e in entries:
        scores = {m["label"]: (m.get("test") or {}).get("auroc") for m in e["models"]}
        best = max((v for v in scores.values() if v is not None), default=None)
        cells = "".join(f"<td class=num>{'<b>' if v is not None and v == best else ''}{_num(v)}"
                        f"{'</b>' if v is not None and v == best else ''}</td>" for v in (scores.get(a) for a in archs))
        rows.append(f'<tr><td><a href="{escape(e["href"])}">{escape(e["title"])}</a></td>'
                    f"<td><code>{escape(e['dataset'])}</code></td>{cells}</tr>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Deep Motif Dashboard</title>"
            f"<style>{STYLE}</style></head><body><header><h1>Deep Motif Dashboard</h1><p>{len(entries)} "
            "transcription factor page(s)</p></header><main><section><table><tr><th>TF page</th><th>dataset</th>"
            f"{head}</tr>{''.join(rows)}</table></section></main>"
            f"<footer>Cite: {escape(CITATION)}</footer></body></html>\n")
