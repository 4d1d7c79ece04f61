"""Run directories: `--overwrite` replaces a run's own files and never anything else."""

import pytest

from deepmotif.zoo import runs


def _config(epochs=2):
    return {"dataset": "synthetic_tfbs/tiny", "arch": "cnn", "epochs": epochs, "seed": 0}


def _fake_run(run_dir, epochs=2):
    assert runs.prepare_run_dir(run_dir, _config(epochs)) == "new"
    (run_dir / runs.MODEL).write_bytes(b"weights")
    (run_dir / runs.METRICS).write_text("{}")
    (run_dir / runs.TENSORBOARD).mkdir()
    (run_dir / runs.TENSORBOARD / "events").write_text("x")


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_that_is_not_a_run_is_never_emptied(tmp_path, overwrite):
    user = tmp_path / "my_analysis"
    (user / "sub").mkdir(parents=True)
    (user / "notes.txt").write_text("mine")
    (user / "sub" / "peaks.bed").write_text("chr1\t1\t2\n")
    with pytest.raises(runs.IncompatibleRunError, match="not a run directory") as err:
        runs.prepare_run_dir(user, _config(), overwrite=overwrite)
    assert "pass --overwrite" not in str(err.value).lower()
    assert (user / "notes.txt").read_text() == "mine"
    assert (user / "sub" / "peaks.bed").is_file()


def test_overwrite_replaces_only_a_runs_own_files(tmp_path):
    run = tmp_path / "run"
    _fake_run(run)
    assert runs.prepare_run_dir(run, _config()) == "finished"
    with pytest.raises(runs.IncompatibleRunError, match="--overwrite"):
        runs.prepare_run_dir(run, _config(epochs=3))
    assert runs.prepare_run_dir(run, _config(epochs=3), overwrite=True) == "new"
    assert sorted(p.name for p in run.iterdir()) == [runs.CONFIG]
    assert runs.read_config(run)["epochs"] == 3


def test_overwrite_refuses_a_run_folder_that_also_holds_user_files(tmp_path):
    run = tmp_path / "run"
    _fake_run(run)
    (run / "figure_for_paper.pdf").write_bytes(b"%PDF")
    with pytest.raises(runs.IncompatibleRunError, match="figure_for_paper.pdf"):
        runs.prepare_run_dir(run, _config(epochs=3), overwrite=True)
    assert (run / "figure_for_paper.pdf").read_bytes() == b"%PDF"
    assert (run / runs.MODEL).read_bytes() == b"weights"


@pytest.mark.parametrize("name", ["nl\n", "a\nb", "ok\r", " lead", "tab\t", "../up", "a/b", ".hidden", "-flag", ""])
def test_model_names_with_control_characters_or_separators_are_refused(name):
    from deepmotif.zoo.registry import ModelNameError, check_name

    with pytest.raises(ModelNameError):
        check_name(name)


def test_a_good_model_name_passes():
    from deepmotif.zoo.registry import check_name

    assert check_name("GATA1_K562_GATA-1_USC.cnn_rnn") == "GATA1_K562_GATA-1_USC.cnn_rnn"


def test_a_run_is_defined_by_its_own_architectures_recipe_values(tmp_path):
    from deepmotif.zoo.recipes import get_recipe

    recipe = get_recipe("default", "cnn")
    config = {"dataset": "synthetic_tfbs/gata1", "arch": "cnn", "recipe": recipe, "epochs": 30}
    runs.prepare_run_dir(tmp_path / "run", config)
    # another architecture's learning rate changes in the recipe table: this CNN run still resumes
    other = {**recipe, "arch_learning_rate": {**recipe["arch_learning_rate"], "cnn_rnn": 0.5}}
    assert runs.prepare_run_dir(tmp_path / "run", {**config, "recipe": other}) == "resume"
    # its own resolved learning rate changes: a different run
    with pytest.raises(runs.IncompatibleRunError, match="recipe"):
        runs.prepare_run_dir(tmp_path / "run", {**config, "recipe": {**recipe, "learning_rate": 0.5}})


def test_per_architecture_recipe_settings_apply_unless_overridden():
    from deepmotif.zoo.recipes import get_recipe

    rnn, cnn = get_recipe("default", "rnn"), get_recipe("default", "cnn")
    assert (rnn["epochs"], rnn["early_stopping_patience"], rnn["learning_rate"]) == (200, 31, 3e-3)  # §1c
    assert (cnn["epochs"], cnn["early_stopping_patience"]) == (30, 6)
    assert get_recipe("default", "rnn", epochs=5)["epochs"] == 5
    assert get_recipe("default", "rnn", early_stopping_patience=3)["early_stopping_patience"] == 3
    assert get_recipe("demo", "rnn")["epochs"] == 50
