"""quality_scale.yaml tracks every rule of the Integration Quality Scale, honestly."""

from __future__ import annotations

from pathlib import Path

from homeassistant.util.yaml import load_yaml_dict

QUALITY_SCALE = (
    Path(__file__).resolve().parents[1] / "custom_components/gestion_energie/quality_scale.yaml"
)
RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules config-flow-test-coverage
        config-flow dependency-transparency docs-actions docs-high-level-description
        docs-installation-instructions docs-removal-instructions entity-event-setup
        entity-unique-id has-entity-name runtime-data test-before-configure test-before-setup
        unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading docs-configuration-parameters
        docs-installation-parameters entity-unavailable integration-owner log-when-unavailable
        parallel-updates reauthentication-flow test-coverage""",
    "gold": """devices diagnostics discovery-update-info discovery docs-data-update docs-examples
        docs-known-limitations docs-supported-devices docs-supported-functions
        docs-troubleshooting docs-use-cases dynamic-devices entity-category entity-device-class
        entity-disabled-by-default entity-translations exception-translations icon-translations
        reconfiguration-flow repair-issues stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def test_every_rule_is_tracked_and_every_exemption_says_why() -> None:
    rules = load_yaml_dict(QUALITY_SCALE)["rules"]
    expected = {rule for tier in RULES.values() for rule in tier.split()}
    assert set(rules) == expected
    for rule, status in rules.items():
        if isinstance(status, dict):
            assert status["status"] in {"done", "todo", "exempt"}, rule
            if status["status"] != "done":
                assert status["comment"], rule
        else:
            assert status == "done", rule
