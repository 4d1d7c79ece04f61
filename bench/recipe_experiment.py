"""Recipe experiment behind docs/results.md section 1: test auROC on GATA1_K562 per recipe and arch.

    python bench/recipe_experiment.py EPOCHS VARIANTS ARCHS   (e.g. 12 demo,default cnn,rnn,cnn_rnn)

Reads the DeMo FASTA files of ../shared/data/encode/GATA1_K562_GATA-1_USC directly (train.fa split
90/10 at random with seed 0 into train/validation; test.fa for test), builds each recipe with
`deepmotif.zoo.recipes` and prints one JSON line per run: the test auROC of the model the recipe
selects (validation auROC for `default`, training auROC for `demo`), and of the last epoch.
`default` variants here use one learning rate for all archs (the recipe now picks one per arch).
"""
import sys, time, json, numpy as np, keras
from sklearn.metrics import roc_auc_score
from deepmotif.zoo.architectures import build
from deepmotif.zoo import recipes
from deepmotif.datasets.readers import read_demo_fasta
from deepmotif.core.sequences import one_hot_strings
import os
D = os.path.join(os.environ.get("DEEPMOTIF_SHARED_DATA", "../shared/data"), "encode/GATA1_K562_GATA-1_USC/")
def arr(p):
    r = read_demo_fasta(D + p); return one_hot_strings([x.sequence for x in r]).astype("float32"), np.array([x.label for x in r], "float32")
x, y = arr("train.fa"); xt, yt = arr("test.fa")
rng = np.random.default_rng(0); idx = rng.permutation(len(x)); nv = len(x) // 10
xv, yv, x, y = x[idx[:nv]], y[idx[:nv]], x[idx[nv:]], y[idx[nv:]]
EPOCHS = int(sys.argv[1])
variants = {
  "demo": ("demo", {}, {}),
  "default": ("default", {}, None),
  "default_noBN": ("default", {}, {}),
  "default_lr3e-3": ("default", {"learning_rate": 3e-3}, None),
  "default_lr1e-2": ("default", {"learning_rate": 1e-2}, None),
}
todo = sys.argv[2].split(",")
archs = sys.argv[3].split(",")
for v in todo:
    rname, ov, archov = variants[v]
    for arch in archs:
        keras.utils.set_random_seed(0)
        ov = {"learning_rate": 1e-3, **ov} if rname == "default" else ov
        rec = recipes.get_recipe(rname, epochs=EPOCHS, **ov)
        aov = rec["arch_overrides"].get(arch, {}) if archov is None else archov
        m = build(arch, **aov)
        bs = rec["batch_size"]; spe = -(-len(x) // bs)
        m.compile(recipes.make_optimizer(rec, spe), "binary_crossentropy", metrics=[keras.metrics.AUC(name="auroc")])
        cbs = []
        f = recipes.epoch_learning_rate(rec)
        if f: cbs.append(keras.callbacks.LearningRateScheduler(f))
        best = {"val": -1}
        class Track(keras.callbacks.Callback):
            def on_epoch_end(s, e, logs):
                key = "val_auroc" if rec["monitor"] == "val_auroc" else "auroc"
                if logs[key] > best["val"]:
                    best.update(val=logs[key], epoch=e, test=float(roc_auc_score(yt, m.predict(xt, verbose=0, batch_size=512).ravel())))
        t = time.time()
        h = m.fit(x, y, batch_size=bs, epochs=EPOCHS, validation_data=(xv, yv), callbacks=cbs + [Track()], verbose=0, shuffle=True)
        last = float(roc_auc_score(yt, m.predict(xt, verbose=0, batch_size=512).ravel()))
        print(json.dumps({"variant": v, "arch": arch, "epochs": EPOCHS, "selected_epoch": best["epoch"], "test_auroc_selected": round(best["test"], 4),
              "test_auroc_last": round(last, 4), "best_monitor": round(best["val"], 4), "val_auroc_hist": [round(a, 3) for a in h.history["val_auroc"]], "sec": round(time.time() - t)}), flush=True)
