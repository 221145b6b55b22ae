"""Stand-ins for hassfest and the HACS action, which cannot run here: the repository's metadata."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
import string
import struct
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import translation
from homeassistant.util.yaml import load_yaml_dict
import pytest

from custom_components.gestion_energie import binary_sensor, sensor
from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.meter.periods import INDEX_PERIODS, period_key
from custom_components.gestion_energie.tic import CATALOGUE
from tools.translations import label_names

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "gestion_energie"
LANGUAGES = ("en", "fr")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(_json(INTEGRATION / "manifest.json"))


@pytest.fixture(scope="module", params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def translations(language: str) -> dict[str, Any]:
    return dict(_json(INTEGRATION / "translations" / f"{language}.json"))


def test_manifest_keys_are_sorted_as_hassfest_wants(manifest: dict[str, Any]) -> None:
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_values(manifest: dict[str, Any]) -> None:
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] in {"local_push", "local_polling"}
    assert manifest["integration_type"] in {"hub", "device", "service"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://")
    for requirement in manifest["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", requirement)


def test_manifest_requirements_are_in_the_test_environment(manifest: dict[str, Any]) -> None:
    pinned = (ROOT / "requirements_test.txt").read_text(encoding="utf-8").split()
    assert set(manifest["requirements"]) <= set(pinned)


def test_hacs_json_has_only_allowed_keys() -> None:
    hacs = _json(ROOT / "hacs.json")
    allowed = {
        "name", "content_in_root", "zip_release", "filename", "hide_default_branch",
        "country", "homeassistant", "hacs", "persistent_directory",
    }  # fmt: skip
    assert set(hacs) <= allowed
    assert hacs["name"]
    assert hacs["homeassistant"] == "2026.10.0"
    assert hacs["content_in_root"] is False


def test_brand_icon_is_a_square_png_of_256_pixels() -> None:
    data = (INTEGRATION / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height == 256


def test_no_stray_manifest_in_the_repository() -> None:
    found = {
        path.relative_to(ROOT)
        for path in ROOT.rglob("manifest.json")
        if not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    }
    # HACS installs the one integration of the repository's custom_components/; the other
    # manifest is scripts/develop's helper, outside it.
    assert found == {
        Path("custom_components/gestion_energie/manifest.json"),
        Path("tools/develop/custom_components/gestion_energie_develop/manifest.json"),
    }


def test_custom_integration_ships_no_strings_json() -> None:
    assert not (INTEGRATION / "strings.json").exists()


def _strings(tree: Any, prefix: str = "") -> dict[str, str]:
    """Every string of a translation file, by its dotted key."""
    if not isinstance(tree, dict):
        return {prefix.removesuffix("."): tree}
    return {
        key: text
        for name, value in tree.items()
        for key, text in _strings(value, f"{prefix}{name}.").items()
    }


def test_both_languages_have_the_same_keys() -> None:
    en, fr = (_json(INTEGRATION / "translations" / f"{lang}.json") for lang in LANGUAGES)
    assert _strings(en).keys() == _strings(fr).keys()


def _placeholders(text: str) -> set[str]:
    """The placeholders of a string as Home Assistant reads them (helpers/translation.py).

    It parses every string with `string.Formatter` and drops, with an error in the log, a
    translation whose field names differ from the English ones (or that does not parse).
    """
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_both_languages_have_the_same_placeholders() -> None:
    en, fr = (_strings(_json(INTEGRATION / "translations" / f"{lang}.json")) for lang in LANGUAGES)
    mismatches: dict[str, tuple[object, object]] = {}
    for key, english in en.items():
        try:
            if _placeholders(english) != _placeholders(fr[key]):
                mismatches[key] = (_placeholders(english), _placeholders(fr[key]))
        except ValueError as error:  # an unbalanced brace: Home Assistant drops the string
            mismatches[key] = (str(error), "")
    assert not mismatches


async def test_home_assistant_keeps_every_french_string(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    fr = _strings(_json(INTEGRATION / "translations" / "fr.json"))
    loaded: dict[str, str] = {}
    for category in _json(INTEGRATION / "translations" / "en.json"):
        loaded |= await translation.async_get_translations(hass, "fr", category, {DOMAIN})
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    assert loaded == {f"component.{DOMAIN}.{key}": text for key, text in fr.items()}


def test_label_sensor_names_follow_the_catalogue(
    language: str, translations: dict[str, Any]
) -> None:
    names = translations["entity"]["sensor"]
    for key, name in label_names(language).items():
        assert names.get(key) == name, f"run tools/translations.py ({key})"


def test_every_entity_has_a_translated_name_and_its_states(translations: dict[str, Any]) -> None:
    entities = translations["entity"]
    for description in sensor.INTERPRETED:
        entry = entities["sensor"][description.translation_key]
        assert entry["name"]
        for option in description.options or []:
            assert entry["state"][option]
    for label in CATALOGUE:
        assert entities["sensor"][sensor.label_key(label)]["name"]
    for period in INDEX_PERIODS:  # energy indexes named after their periods
        assert entities["sensor"][f"index_{period_key(period)}"]["name"]
    assert entities["sensor"]["index_label"]["name"] == "{label}"
    for flag in binary_sensor.BINARY_SENSORS:
        assert entities["binary_sensor"][flag.translation_key]["name"]


def _string_constants(*names: str) -> set[str]:
    """String literals passed as these keyword arguments anywhere in the integration."""
    found: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg in names
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def test_every_translation_key_used_in_code_exists(translations: dict[str, Any]) -> None:
    config = translations["config"]
    for step in ("user", "simulator", "reconfigure"):
        assert config["step"][step]["title"]
    assert set(config["step"]["user"]["menu_options"]) >= {"simulator"}
    for error in ("no_signal", "checksum_errors", "unknown"):
        assert config["error"][error]
    subentries = translations["config_subentries"]
    aborts = [
        config["abort"],
        translations["options"]["abort"],
        *(flow["abort"] for flow in subentries.values()),
    ]
    for reason in _string_constants("reason") | {"already_configured", "reconfigure_successful"}:
        assert any(abort.get(reason) for abort in aborts), reason
    for key in _string_constants("translation_key"):
        sections = ("exceptions", "issues", "selector")
        platforms = translations["entity"].values()
        assert any(key in translations[section] for section in sections) or any(
            key in platform for platform in platforms
        ), key
    assert set(translations["options"]["step"]["init"]["menu_options"]) == {
        "settings",
        "prices",
        "history",
    }
    assert translations["options"]["step"]["settings"]["data"]
    prices = translations["options"]["step"]["prices"]["data"]
    for period in INDEX_PERIODS:  # a price for each period an index can be named after
        assert prices[f"price_{period_key(period)}"]


def test_every_subentry_flow_is_translated(translations: dict[str, Any]) -> None:
    from custom_components.gestion_energie.config_flow import (  # noqa: PLC0415
        GestionEnergieConfigFlow,
    )

    types = GestionEnergieConfigFlow.async_get_supported_subentry_types(None)  # type: ignore[arg-type]
    assert set(translations["config_subentries"]) == set(types)
    for subentry_type, flow in types.items():
        texts = translations["config_subentries"][subentry_type]
        assert texts["entry_type"]
        assert texts["initiate_flow"]["user"]
        steps = {name.removeprefix("async_step_") for name in dir(flow)} & set(texts["step"])
        for name in ("user", "reconfigure"):
            assert name in steps
        for name, step in texts["step"].items():
            assert step["title"], name
            assert hasattr(flow, f"async_step_{name}"), name
        if subentry_type == "load":  # a form, with the errors of its checks
            for error in ("switch_not_found", "switch_already_managed"):
                assert texts["error"][error]
            assert set(texts["step"]["user"]["data"]) == set(
                texts["step"]["user"]["data_description"]
            )
            continue
        assert set(texts["step"]["user"]["menu_options"]) <= steps
        for error in ("cannot_connect", "invalid_auth", "not_a_plug", "unknown"):
            assert texts["error"][error]


def test_every_service_is_described(translations: dict[str, Any]) -> None:
    services = load_yaml_dict(INTEGRATION / "services.yaml")
    for service, spec in services.items():
        described = translations["services"][service]
        assert described["name"]
        assert described["description"]
        for field in spec["fields"]:
            assert described["fields"][field]["name"]


def test_icons_refer_to_existing_entities() -> None:
    icons = _json(INTEGRATION / "icons.json")
    en = _json(INTEGRATION / "translations" / "en.json")
    for platform, entities in icons["entity"].items():
        assert set(entities) <= set(en["entity"][platform]), platform
    assert set(icons["services"]) == set(en["services"])
