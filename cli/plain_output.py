"""What a newcomer sees: the command's own lines and real errors, not the libraries' start-up chatter.

- TensorFlow's C++ logs: `TF_CPP_MIN_LOG_LEVEL=3`, which hides the ERROR lines TensorFlow logs on
  every machine without a GPU (`failed call to cuInit`, oneDNN's `DT_BOOL` kernels); real failures
  still raise Python exceptions. The INFO lines it writes while loading, before absl logging starts
  (`oneDNN custom operations are on`, `Could not find cuda drivers`), ignore every setting, so the
  first `import tensorflow` runs with file descriptor 2 captured and all but those lines written back.
- Python loggers: TensorFlow's and absl's at ERROR (TFDS logs its own warnings through absl).
- TFDS progress bars and Keras progress bars only on a terminal; in a log file they are noise.

`quiet_libraries()` arranges all of this before anything imports TensorFlow (the hooks run when
it is first imported, so `deepmotif --help` still imports none of it).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

# Native lines written before absl logging is initialized: the notice itself, INFO lines, and the
# continuation of cpu_feature_guard's INFO line.
_NATIVE_NOISE = re.compile(
    r"(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} \d\d:\d\d:[\d.]+\s+\d+ [\w./-]+:\d+\] .*"
    r"|To enable the following instructions: .*)\s*"
)
_PENDING: dict = {}


def keras_verbose(verbose: int) -> int:
    """Keras' `verbose`: a progress bar (1) only on a terminal, else one line per epoch (2)."""
    return 2 if verbose == 1 and not sys.stdout.isatty() else verbose


def progress_bar(unit: str, total=None):
    """A tqdm bar on stderr, drawn only on a terminal (redirected logs get no control codes)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=True, disable=not sys.stderr.isatty(), file=sys.stderr)


@contextlib.contextmanager
def native_stderr_filtered():
    """Capture file descriptor 2 (what C++ writes) and write back all but `_NATIVE_NOISE` lines."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable stderr: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not _NATIVE_NOISE.fullmatch(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


def _after_tensorflow(tf) -> None:
    from absl import logging as absl_logging

    tf.get_logger().setLevel("ERROR")
    absl_logging.set_verbosity(absl_logging.ERROR)


def _after_tfds(tfds) -> None:
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
    if not sys.stderr.isatty():
        tfds.disable_progress_bar()


class _Loader(importlib.abc.Loader):
    """Runs the real loader with native stderr filtered, then the module's after-import hook."""

    def __init__(self, loader, after):
        self._loader, self._after = loader, after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self._loader  # leave the real loader behind
        with native_stderr_filtered():
            self._loader.exec_module(module)
        self._after(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietImports(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` and `tensorflow_datasets` as usual, wrapping their loaders once."""

    def find_spec(self, name, path=None, target=None):
        after = _PENDING.pop(name, None)
        if after is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader, after)
        return spec


def plain_warnings() -> None:
    """Show Python warnings as `deepmotif: warning: MESSAGE` (no file, line or source) on the command line."""
    import warnings

    warnings.formatwarning = lambda message, category, filename, lineno, line=None: f"deepmotif: warning: {message}\n"


def quiet_libraries() -> None:
    """Silence TensorFlow's, absl's and TFDS's start-up chatter for this process (idempotent).

    Environment defaults are set only where the user set nothing (`TF_CPP_MIN_LOG_LEVEL=0` still
    shows everything). Libraries already imported are quieted now; the others when first imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name, after in (("tensorflow", _after_tensorflow), ("tensorflow_datasets", _after_tfds)):
        if name in sys.modules:
            after(sys.modules[name])
        else:
            _PENDING[name] = after
    if _PENDING and not any(isinstance(f, _QuietImports) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietImports())
