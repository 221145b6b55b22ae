"""The TIC radio transmitter: a small Linux board by the meter, sending frames over nRF24L01.

It shares the integration's pure code (radio framing, chip setup, TIC decoder) without Home
Assistant: when Home Assistant is not installed, the integration's package is registered
bare, so its `__init__` (which imports Home Assistant) is not run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
import types

_PACKAGE = "custom_components.gestion_energie"

if _PACKAGE not in sys.modules and importlib.util.find_spec("homeassistant") is None:
    _bare = types.ModuleType(_PACKAGE)
    _bare.__path__ = [
        str(Path(__file__).resolve().parent.parent / "custom_components" / "gestion_energie")
    ]
    sys.modules[_PACKAGE] = _bare
