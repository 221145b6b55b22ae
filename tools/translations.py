"""Write the names of the TIC label sensors into translations/en.json and fr.json.

The catalogue (tic/catalogue.py) holds every label's name in English and French;
this copies them into the translation files, so that a new label gets translated
names without hand editing. tests/test_translations.py fails when they differ.
Run: scripts/run python tools/translations.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from custom_components.gestion_energie.sensor import label_key
from custom_components.gestion_energie.tic import CATALOGUE

TRANSLATIONS = Path("custom_components/gestion_energie/translations")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def label_names(language: str) -> dict[str, dict[str, str]]:
    """Entity names of every label's sensors in one language."""
    names: dict[str, dict[str, str]] = {}
    for spec in CATALOGUE.values():
        name = spec.name_en if language == "en" else spec.name_fr
        key = label_key(spec.label)
        names[key] = {"name": name}
        if spec.timestamped_maximum:
            prefix = "Time of" if language == "en" else "Heure de"
            names[f"{key}_time"] = {"name": f"{prefix} {_lower_first(name)}"}
    return names


def updated(translations: dict[str, Any], language: str) -> dict[str, Any]:
    """The translations with the label names set (other entries left as they are)."""
    sensors = translations["entity"]["sensor"]
    sensors.update(label_names(language))
    return translations


if __name__ == "__main__":
    for language in ("en", "fr"):
        path = TRANSLATIONS / f"{language}.json"
        content = updated(json.loads(path.read_text(encoding="utf-8")), language)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
