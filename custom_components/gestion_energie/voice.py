"""Assist: the meter and load shedding by voice, in French and English.

Questions are intents of this integration (usable by any agent, an LLM's among them) and
Home Assistant's default agent reaches them through sentence triggers registered here: a custom
integration cannot ship sentences any other way (`custom_sentences/` is the user's). Switching
a load ("Éteins le chauffe-eau") needs nothing of ours: Home Assistant's own HassTurnOn and
HassTurnOff find the exposed switch by its name.

Answers are spoken in the user's language and units ("3,2 kilowatts", "environ 4 minutes").
With several meters, a question answers for the meter it names ("… du compteur Garage") or for
each one, every answer after its meter's name; the power, then, also in all.
Home Assistant's translation files have no section for spoken answers: they live among the
`exceptions`, the section for messages addressed to the user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, override
import unicodedata

from homeassistant.const import EVENT_COMPONENT_LOADED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, intent, translation
import probatio

from .const import DOMAIN
from .tic.interpret import TempoColour

if TYPE_CHECKING:
    from hassil.recognize import RecognizeResult
    from homeassistant.components.conversation import ConversationInput
    from homeassistant.setup import EventComponentLoaded

    from .coordinator import GestionEnergieConfigEntry

INTENT_POWER = "GestionEnergieGetPower"
INTENT_CUTOFF = "GestionEnergieGetTimeToCutoff"
INTENT_TEMPO = "GestionEnergieGetTempo"
INTENT_SHEDDING = "GestionEnergieGetShedding"
TODAY, TOMORROW = "today", "tomorrow"
CONVERSATION = "conversation"

# Sentence templates (hassil syntax) of each language: the default agent matches trigger
# sentences whatever the language, and the answer follows the user's language.
SENTENCES: dict[tuple[str, str | None], dict[str, list[str]]] = {
    (INTENT_POWER, None): {
        "fr": [
            "(quelle est|c'est combien) [la] consommation [électrique] [actuelle|maintenant]",
            "combien (je consomme|on consomme|consomme la maison) [maintenant|actuellement]",
        ],
        "en": [
            "(what is|what's) [the] [current] [house|home] (consumption|power|power consumption)"
            " [now]",
            "how much (power|electricity) (am I|are we|is the house) using [now|right now]",
        ],
    },
    (INTENT_CUTOFF, None): {
        "fr": [
            "combien de temps [reste-t-il|il reste] avant [la] coupure",
            "dans combien de temps [aura lieu] la coupure",
        ],
        "en": [
            "how (long|much time) [is left|do we have] (before|until) [the]"
            " (cut-off|cutoff|power cut)",
        ],
    },
    (INTENT_TEMPO, TOMORROW): {
        "fr": [
            "(quelle est|quelle sera) la couleur [du jour] tempo [de|pour] demain",
            "demain [c'est|ce sera] quelle couleur tempo",
        ],
        "en": [
            "what (is|will be) [the] tempo (color|colour) [for] tomorrow",
            "what (is|will be) tomorrow's tempo (color|colour)",
        ],
    },
    (INTENT_TEMPO, TODAY): {
        "fr": ["quelle est la couleur [du jour] tempo [d'aujourd'hui|aujourd'hui]"],
        "en": [
            "what is [the] tempo (color|colour) [for] today",
            "what is today's tempo (color|colour)",
        ],
    },
    (INTENT_SHEDDING, None): {
        "fr": [
            "(y a-t-il|est-ce qu'il y a|il y a) [un] délestage en cours",
            "(est-ce que|y a-t-il) [des] appareils [sont] délestés",
        ],
        "en": [
            "is [there] [any] [load] shedding (on|active|in progress|going on)",
            "are [any] (loads|devices) shed [now]",
        ],
    },
}
# Each sentence again, naming the meter ("… du compteur Garage", "… of the garage meter"). The
# word for a meter stays: a bare name after "de" would catch "de demain" as a meter's name.
NAMED_METER: dict[str, list[str]] = {
    "fr": [" (du|pour le|au) compteur {meter}"],
    "en": [" (of|for|at|on) [the] {meter} meter", " (of|for|at|on) [the] meter {meter}"],
}
METER = "meter"


def _sentences(by_language: dict[str, list[str]]) -> list[str]:
    """A question's sentences of every language, plain and naming a meter."""
    return [
        sentence + suffix
        for language, sentences in by_language.items()
        for sentence in sentences
        for suffix in ("", *NAMED_METER[language])
    ]


def _words(name: str) -> str:
    """A name as said: lower case, no accents nor punctuation, no article in front."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c if c.isalnum() else " " for c in plain if not unicodedata.combining(c))
    words = plain.split()
    while words and words[0] in {"le", "la", "l", "les", "the"}:
        words = words[1:]
    return " ".join(words)


def meters_named(hass: HomeAssistant, name: str | None) -> list[GestionEnergieConfigEntry]:
    """The meters a question speaks of: the one named (its title, or words of it), or all."""
    entries: list[GestionEnergieConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    if name is None:
        return entries
    said = _words(name)
    return [entry for entry in entries if f" {said} " in f" {_words(entry.title)} "]


def decimal(value: float, language: str, places: int = 1) -> str:
    """A number with `places` decimals and the language's separator (a comma in French)."""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if language.startswith("fr") else text


class _Answers:
    """The answers of one language, from the translation files."""

    def __init__(self, strings: dict[str, str]) -> None:
        self.strings = strings

    @classmethod
    async def load(cls, hass: HomeAssistant, language: str) -> _Answers:
        strings = await translation.async_get_translations(hass, language, "exceptions", {DOMAIN})
        strings |= await translation.async_get_translations(hass, language, "entity", {DOMAIN})
        return cls(strings)

    def say(self, key: str, **placeholders: Any) -> str:
        text = self.strings[f"component.{DOMAIN}.exceptions.{key}.message"]
        return text.format(**placeholders)

    def colour(self, colour: TempoColour) -> str:
        key = f"component.{DOMAIN}.entity.sensor.tempo_today.state.{colour.name.lower()}"
        return self.strings[key].lower()


def power_answer(answers: _Answers, watts: float | None, language: str) -> str:
    """Power now, in watts under a kilowatt and in kilowatts above."""
    if watts is None:
        return answers.say("voice_no_reading")
    if watts < 1000:
        return answers.say("voice_power_w", watts=round(watts))
    return answers.say("voice_power_kw", kilowatts=decimal(watts / 1000, language))


def cutoff_answer(answers: _Answers, seconds: float | None, power_known: bool) -> str:
    """Time before the cut-off, to the minute."""
    if not power_known:
        return answers.say("voice_no_reading")
    if seconds is None:
        return answers.say("voice_no_cutoff")
    minutes = round(seconds / 60)
    if minutes < 1:
        return answers.say("voice_cutoff_soon")
    if minutes == 1:
        return answers.say("voice_cutoff_one_minute")
    return answers.say("voice_cutoff_minutes", minutes=minutes)


class _MeterIntent(intent.IntentHandler):
    """An intent answered from the meters' data, in the user's language."""

    def __init__(
        self,
        intent_type: str,
        description: str,
        answer: Callable[[_Answers, GestionEnergieConfigEntry, str, str], str],
        slot_schema: dict[Any, Any] | None = None,
        total: Callable[[_Answers, list[GestionEnergieConfigEntry], str], str | None] | None = None,
    ) -> None:
        self.intent_type = intent_type
        self.description = description
        self._slots = {probatio.Optional(METER): cv.string, **(slot_schema or {})}
        self._answer = answer
        self._total = total  # what all the meters add up to, when no meter is named

    @property
    @override
    def slot_schema(self) -> dict[Any, Any] | None:
        """The intent's slots: the meter's name (all meters without it), the Tempo day."""
        return self._slots

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        hass = intent_obj.hass
        language = intent_obj.language or hass.config.language
        answers = await _Answers.load(hass, language)
        slots = self.async_validate_slots(intent_obj.slots)
        day = slots.get("day", {}).get("value", TODAY)
        name = slots.get(METER, {}).get("value")
        entries = meters_named(hass, name)
        if not entries:
            speech = _no_such_meter(hass, answers, name)
        elif len(hass.config_entries.async_loaded_entries(DOMAIN)) == 1:
            speech = self._answer(answers, entries[0], language, day)
        else:  # several meters: say which one each answer is of
            said = [
                answers.say(
                    "voice_of_meter",
                    meter=entry.title,
                    answer=self._answer(answers, entry, language, day),
                )
                for entry in entries
            ]
            total = None if name or self._total is None else self._total(answers, entries, language)
            speech = " ".join([*said, *([total] if total else [])])
        response = intent_obj.create_response()
        response.async_set_speech(speech)
        return response


def _no_such_meter(hass: HomeAssistant, answers: _Answers, name: str | None) -> str:
    titles = [entry.title for entry in hass.config_entries.async_loaded_entries(DOMAIN)]
    if name is None or not titles:
        return answers.say("voice_no_meter")
    return answers.say("voice_unknown_meter", name=name, meters=", ".join(titles))


def _power(answers: _Answers, entry: GestionEnergieConfigEntry, language: str, _day: str) -> str:
    return power_answer(answers, entry.runtime_data.coordinator.data.apparent_power_va, language)


def _total_power(
    answers: _Answers, entries: list[GestionEnergieConfigEntry], language: str
) -> str | None:
    """The meters' powers added up, once each has told its own."""
    powers = [entry.runtime_data.coordinator.data.apparent_power_va for entry in entries]
    if None in powers:
        return None
    watts = sum(power for power in powers if power is not None)
    return answers.say("voice_total", answer=power_answer(answers, watts, language))


def _cutoff(answers: _Answers, entry: GestionEnergieConfigEntry, _lang: str, _day: str) -> str:
    data = entry.runtime_data.coordinator.data
    return cutoff_answer(answers, data.seconds_to_cutoff, data.apparent_power_va is not None)


def _tempo(answers: _Answers, entry: GestionEnergieConfigEntry, _lang: str, day: str) -> str:
    data = entry.runtime_data.coordinator.data
    colour = data.tempo_tomorrow if day == TOMORROW else data.tempo_today
    if colour is None or colour is TempoColour.NONE:
        return answers.say(f"voice_tempo_unknown_{day}")
    return answers.say(f"voice_tempo_{day}", colour=answers.colour(colour))


def _shedding(answers: _Answers, entry: GestionEnergieConfigEntry, _lang: str, _day: str) -> str:
    manager = entry.runtime_data.shedding
    shed = [] if manager is None else [item.load for item in manager.status.shed]
    if manager is None or not shed:
        return answers.say("voice_no_shedding")
    names = ", ".join(manager.loads[switch].title for switch in shed if switch in manager.loads)
    key = "voice_shedding_one" if len(shed) == 1 else "voice_shedding_many"
    return answers.say(key, count=len(shed), loads=names)


INTENTS = (
    _MeterIntent(INTENT_POWER, "The house's power consumption now", _power, total=_total_power),
    _MeterIntent(INTENT_CUTOFF, "How long before the meter cuts the power off", _cutoff),
    _MeterIntent(
        INTENT_TEMPO,
        "The Tempo colour of today or tomorrow",
        _tempo,
        {probatio.Optional("day"): probatio.In([TODAY, TOMORROW])},
    ),
    _MeterIntent(INTENT_SHEDDING, "Whether load shedding holds any load off", _shedding),
)


@callback
def async_setup_voice(hass: HomeAssistant) -> None:
    """Register the intents, and the default agent's sentences once Assist is there.

    The conversation component (and hassil, which it installs) may be set up after this
    integration, or never: its sentences wait for it.
    """
    for handler in INTENTS:
        intent.async_register(hass, handler)
    if CONVERSATION in hass.config.components:
        _register_sentences(hass)
        return

    @callback
    def conversation_loaded(event: Event[EventComponentLoaded]) -> None:
        if event.data["component"] == CONVERSATION:
            unsubscribe()
            _register_sentences(hass)

    unsubscribe = hass.bus.async_listen(EVENT_COMPONENT_LOADED, conversation_loaded)


@callback
def _register_sentences(hass: HomeAssistant) -> None:
    from homeassistant.components.conversation.agent_manager import (  # noqa: PLC0415
        get_agent_manager,  # imported once the component is there: hassil is installed
    )

    manager = get_agent_manager(hass)
    for (intent_type, day), sentences in SENTENCES.items():
        manager.register_trigger(_sentences(sentences), _trigger(hass, intent_type, day))


def _trigger(
    hass: HomeAssistant, intent_type: str, day: str | None
) -> Callable[[ConversationInput, RecognizeResult], Awaitable[str | None]]:
    """The default agent's callback of a sentence: the intent's spoken answer."""

    async def answer(user_input: ConversationInput, result: RecognizeResult) -> str | None:
        slots: dict[str, Any] = {}
        if day:
            slots["day"] = {"value": day}
        if (meter := result.entities.get(METER)) is not None:
            slots[METER] = {"value": str(meter.value).strip()}
        response = await intent.async_handle(
            hass,
            DOMAIN,
            intent_type,
            slots or None,
            text_input=user_input.text,
            context=user_input.context,
            language=user_input.language,
        )
        speech: str | None = response.speech.get("plain", {}).get("speech")
        return speech

    return answer
