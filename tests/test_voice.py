"""Assist in French and English through Home Assistant's default agent, in the simulated house."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    intent,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.gestion_energie.const import (
    CONF_METER_ADDRESS,
    CONF_UPDATE_INTERVAL,
    DOMAIN,
)
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_SHED
from custom_components.gestion_energie.voice import (
    INTENT_CUTOFF,
    _Answers,
    cutoff_answer,
    power_answer,
)
from tests.conftest import SIMULATOR_DATA
from tests.shedding_ha.conftest import start_entry
from tests.shedding_ha.house import HEATER, RADIATOR, STGE, House, open_house
from tests.test_meter import standard_frame

TEMPO_TODAY_BLUE_TOMORROW_RED = STGE | 1 << 24 | 3 << 26


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests reach the plug simulator on 127.0.0.1."""


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    """The house, Assist ready: the radiator in the living room, English aliases."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    async with open_house(hass, freezer) as house:
        # What a user does in the entity settings: the room, and names in a second language
        # besides the entity's own (COMPUTED_NAME).
        salon = ar.async_get(hass).async_create("Salon", aliases={"living room"})
        registry = er.async_get(hass)
        radiator = registry.async_get(RADIATOR)
        assert radiator is not None
        assert radiator.device_id is not None
        dr.async_get(hass).async_update_device(radiator.device_id, area_id=salon.id)
        registry.async_update_entity(RADIATOR, aliases=[er.COMPUTED_NAME, "radiator"])
        registry.async_update_entity(HEATER, aliases=[er.COMPUTED_NAME, "water heater"])
        await house.step(count=3)
        yield house


async def process(hass: HomeAssistant, text: str, language: str) -> str:
    """Ask through the `conversation.process` action, as a voice satellite does."""
    response = await hass.services.async_call(
        "conversation",
        "process",
        {"text": text, "language": language},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    speech = response["response"]["speech"]["plain"]["speech"]  # type: ignore[index,call-overload]
    assert isinstance(speech, str)
    return speech


async def frame(house: House, power: int, stge: int = TEMPO_TODAY_BLUE_TOMORROW_RED) -> None:
    house.coordinator.async_receive(standard_frame(power, stge=stge))
    await house.settle()


@pytest.mark.parametrize(
    ("text", "language", "answer"),
    [
        (
            "Quelle est la consommation actuelle ?",
            "fr",
            "La consommation actuelle est de 3,2 kilowatts.",
        ),
        ("What is the current consumption?", "en", "The house is using 3.2 kilowatts."),
        ("Quelle est la couleur Tempo demain ?", "fr", "Demain, le jour Tempo est rouge."),
        ("What is the Tempo colour for tomorrow?", "en", "Tomorrow is a red Tempo day."),
        ("Quelle est la couleur Tempo aujourd'hui ?", "fr", "Aujourd'hui, le jour Tempo est bleu."),
        ("Y a-t-il un délestage en cours ?", "fr", "Non, aucun délestage en cours."),
        ("Is load shedding on?", "en", "No, no load is shed."),
        (
            "Combien de temps avant la coupure ?",
            "fr",
            "Pas de coupure en vue : la consommation reste sous la puissance de coupure.",
        ),
        (
            "How long before the cut-off?",
            "en",
            "No cut-off ahead: the power stays below the cut-off power.",
        ),
    ],
)
async def test_questions_are_answered_in_the_users_words(
    hass: HomeAssistant, house: House, text: str, language: str, answer: str
) -> None:
    await frame(house, 3200)
    assert await process(hass, text, language) == answer


async def test_a_shed_load_is_named_and_the_coming_cut_off_counted_in_minutes(
    hass: HomeAssistant, house: House
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await house.step_until(shed, 1, power=7500)
    assert await process(hass, "Y a-t-il un délestage en cours ?", "fr") == (
        "Oui, 1 appareil est délesté : Radiateur."
    )
    assert await process(hass, "Is there any shedding going on?", "en") == (
        "Yes, 1 load is shed: Radiateur."
    )
    await house.step(power=8400)  # above 1.3 x PCOUP: the meter will cut
    seconds = house.coordinator.data.seconds_to_cutoff
    assert seconds is not None
    for language, text in (
        ("fr", "Combien de temps avant la coupure ?"),
        ("en", "How much time until the power cut?"),
    ):
        answers = await _Answers.load(hass, language)
        answer = await process(hass, text, language)
        assert answer == cutoff_answer(answers, seconds, power_known=True)
        assert "minute" in answer


@pytest.mark.parametrize(
    ("text", "language", "switch", "state"),
    [
        ("Éteins le chauffe-eau", "fr", HEATER, STATE_OFF),
        ("Turn off the water heater", "en", HEATER, STATE_OFF),
        ("Éteins le radiateur du salon", "fr", RADIATOR, STATE_OFF),
        ("Turn off the living room radiator", "en", RADIATOR, STATE_OFF),
    ],
)
async def test_loads_are_switched_by_home_assistants_own_intents(
    hass: HomeAssistant, house: House, text: str, language: str, switch: str, state: str
) -> None:
    assert _state(hass, switch) == STATE_ON
    await process(hass, text, language)
    await house.step()
    assert _state(hass, switch) == state
    on_again = {
        "fr": "Allume le radiateur du salon",
        "en": "Turn on the radiator in the living room",
    }[language]
    if switch == RADIATOR:
        await process(hass, on_again, language)
        await house.step()
        assert _state(hass, RADIATOR) == STATE_ON


async def test_answers_speak_the_users_units(hass: HomeAssistant) -> None:
    french, english = await _Answers.load(hass, "fr"), await _Answers.load(hass, "en")
    assert cutoff_answer(french, 240, power_known=True) == "Environ 4 minutes avant la coupure."
    assert cutoff_answer(english, 70, power_known=True) == "About a minute before the cut-off."
    assert cutoff_answer(french, 20, power_known=True) == "Moins d'une minute avant la coupure."
    assert cutoff_answer(french, None, power_known=False) == (
        "Le compteur n'a pas encore transmis sa puissance."
    )
    assert power_answer(french, 850, "fr") == "La consommation actuelle est de 850 watts."
    assert power_answer(french, 12345, "fr") == "La consommation actuelle est de 12,3 kilowatts."
    assert power_answer(english, None, "en") == "The meter has not told its power yet."


async def test_without_a_meter_assist_says_so(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    response = await intent.async_handle(hass, "test", INTENT_CUTOFF, language="fr")
    assert response.speech["plain"]["speech"] == "Aucun compteur n'est configuré."


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_assist_set_up_after_the_integration_still_answers(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert "conversation" not in hass.config.components
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()
    assert await process(hass, "Quelle est la consommation actuelle ?", "fr") == (
        "Aucun compteur n'est configuré."
    )


GARAGE_ADDRESS = "042164999999"
TEMPO_TODAY_WHITE_TOMORROW_BLUE = STGE | 2 << 24 | 1 << 26


@pytest.fixture
async def garage(hass: HomeAssistant, house: House) -> AsyncGenerator[MockConfigEntry]:
    """A second meter, the garage's, using 450 W; the house's uses 3.2 kW."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Garage",
        unique_id=GARAGE_ADDRESS,
        data={**SIMULATOR_DATA, CONF_METER_ADDRESS: GARAGE_ADDRESS},
        options={CONF_UPDATE_INTERVAL: 0},
    )
    entry.add_to_hass(hass)
    await start_entry(hass, entry)
    entry.runtime_data.coordinator.async_receive(
        standard_frame(450, stge=TEMPO_TODAY_WHITE_TOMORROW_BLUE)
    )
    await frame(house, 3200)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("text", "language", "answer"),
    [
        # No meter named: each one's answer, after its name; the power in all too.
        (
            "Quelle est la consommation actuelle ?",
            "fr",
            "Linky 042164123456 : La consommation actuelle est de 3,2 kilowatts."
            " Garage : La consommation actuelle est de 450 watts."
            " En tout : La consommation actuelle est de 3,6 kilowatts.",
        ),
        (
            "What is the current consumption?",
            "en",
            "Linky 042164123456: The house is using 3.2 kilowatts."
            " Garage: The house is using 450 watts. In all: The house is using 3.6 kilowatts.",
        ),
        # One named, by its name or by words of it, whatever the case.
        (
            "Quelle est la consommation du compteur garage ?",
            "fr",
            "Garage : La consommation actuelle est de 450 watts.",
        ),
        (
            "What is the current consumption of the Garage meter?",
            "en",
            "Garage: The house is using 450 watts.",
        ),
        (
            "What's the power of meter 042164123456?",
            "en",
            "Linky 042164123456: The house is using 3.2 kilowatts.",
        ),
        (
            "Quelle est la couleur Tempo demain du compteur Garage ?",
            "fr",
            "Garage : Demain, le jour Tempo est bleu.",
        ),
        (
            "What is the Tempo colour for today at the garage meter?",
            "en",
            "Garage: Today is a white Tempo day.",
        ),
        (
            "Y a-t-il un délestage en cours au compteur Linky ?",
            "fr",
            "Linky 042164123456 : Non, aucun délestage en cours.",
        ),
        (
            "How long before the cut-off for the garage meter?",
            "en",
            "Garage: No cut-off ahead: the power stays below the cut-off power.",
        ),
        # A name no meter has: the meters there are.
        (
            "Quelle est la consommation du compteur cave ?",
            "fr",
            "Aucun compteur ne s'appelle cave ; les compteurs sont : Linky 042164123456, Garage.",
        ),
    ],
)
async def test_with_two_meters_assist_answers_for_the_one_named_or_for_each(
    hass: HomeAssistant, garage: MockConfigEntry, text: str, language: str, answer: str
) -> None:
    assert await process(hass, text, language) == answer
