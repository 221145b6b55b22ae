"""The API's OpenAPI document and the client agree: its examples are accepted as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.util.yaml import parse_yaml

from custom_components.gestion_energie.plugs import (
    API_VERSION,
    GestionEnergieClient,
    PlugInfo,
    SocketState,
)

from .conftest import CannedServer

DOCUMENT = Path(__file__).parents[2] / "docs" / "connected-objects-api.openapi.yaml"


def example(api: dict[str, Any], path: str, method: str) -> object:
    return api["paths"][path][method]["responses"]["200"]["content"]["application/json"]["example"]


async def test_examples(session: aiohttp.ClientSession, canned: CannedServer) -> None:
    api = parse_yaml(DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(api, dict)
    assert api["info"]["version"] == str(API_VERSION)
    client = GestionEnergieClient(session, "127.0.0.1", canned.port)

    canned.reply(example(api, "/api/info", "get"))
    assert await client.get_info() == PlugInfo(
        device_id="a4cf12b3c4d5",
        model="Multiprise 4 prises",
        firmware="1.2.0",
        sockets=4,
        name="Bureau",
    )
    canned.reply(example(api, "/api/state", "get"))
    state = await client.get_state()
    assert state.sockets[0] == SocketState(
        on=True, current_a=0.522, power_w=108.4, energy_wh=15230.5
    )
    assert state.energy_wh == 16032.5
    canned.reply(example(api, "/api/sockets/{index}", "post"))
    await client.set_socket(3, True)
    assert canned.requests[-1].path == "/api/sockets/3"
