"""The package-level API stays callable whatever was imported first."""

import importlib

from deepmotif import interpret, zoo


def test_functions_named_like_their_modules_stay_functions():
    for name in ("export", "compare", "finetune", "evaluate"):
        module = importlib.import_module(f"deepmotif.zoo.{name if name != 'evaluate' else 'evaluation'}")
        assert callable(getattr(zoo, name)), name
        assert getattr(zoo, name) is getattr(module, name)
    importlib.import_module("deepmotif.interpret.saliency")
    assert callable(interpret.saliency)
    assert interpret.saliency.__name__ == "saliency"


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        zoo.no_such_thing
