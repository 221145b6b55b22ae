"""A user's view of a running Home Assistant: onboarding, REST and websocket calls."""

from __future__ import annotations

from typing import Any

import aiohttp

CLIENT_ID = "http://127.0.0.1/"  # any URL: Home Assistant's own frontend uses its origin


class HomeAssistantClient:
    """Talk to a Home Assistant on a loopback port as its owner."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        """Address the instance; `async_onboard` makes the owner and logs in."""
        self.session = session
        self.base = f"http://127.0.0.1:{port}"
        self.token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ws_id = 0

    async def async_onboard(self) -> None:
        """Create the owner account, as the first visit to the frontend does, and log in."""
        async with self.session.post(
            f"{self.base}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Owner",
                "username": "owner",
                "password": "owner-password",
                "language": "fr",
            },
        ) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        async with self.session.post(
            f"{self.base}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        ) as response:
            response.raise_for_status()
            self.token = (await response.json())["access_token"]

    async def async_finish_onboarding(self) -> None:
        """The onboarding's remaining steps, as the frontend's wizard would: then the
        frontend shows the dashboards rather than the wizard."""
        for step, data in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}),
        ):
            async with self.session.post(
                f"{self.base}/api/onboarding/{step}", headers=self._headers, json=data
            ) as response:
                response.raise_for_status()

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def async_get(self, path: str) -> Any:
        """GET a REST API path, as JSON."""
        async with self.session.get(f"{self.base}{path}", headers=self._headers) as response:
            response.raise_for_status()
            return await response.json()

    async def async_post(self, path: str, data: dict[str, Any]) -> Any:
        """POST JSON to a REST API path."""
        async with self.session.post(
            f"{self.base}{path}", headers=self._headers, json=data
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def async_states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        return {state["entity_id"]: state for state in await self.async_get("/api/states")}

    async def async_ws(self, message_type: str, **data: Any) -> Any:
        """One websocket command's result."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.base}/api/websocket")
            assert (await self._ws.receive_json())["type"] == "auth_required"
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            assert (await self._ws.receive_json())["type"] == "auth_ok"
        self._ws_id += 1
        await self._ws.send_json({"id": self._ws_id, "type": message_type, **data})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == self._ws_id and reply["type"] == "result":
                assert reply["success"], reply
                return reply["result"]

    async def async_close(self) -> None:
        """Close the websocket, if one was opened."""
        if self._ws is not None:
            await self._ws.close()
