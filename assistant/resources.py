"""Where the files that ship with the package live: prompts and the bundled corpus.

A wheel carries them in ``assistant/_data`` (see ``pyproject.toml``); a source checkout or an editable
install reads them from the repository's top level, where they are edited.
"""

from pathlib import Path

from .errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The directory ``name`` (``prompts`` or ``corpus``) of this installation."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"the package's {name}/ folder is missing: reinstall assistant")
