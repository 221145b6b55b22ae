"""What every plug client offers, its errors, and the HTTP plumbing clients share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
import ipaddress
import json
import math
import re
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import aiohttp
from yarl import URL

from ..meter.supply import LARGEST_PHASE_CURRENT_A, LARGEST_PHASE_POWER_W

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_TIMEOUT: Final = 5.0  # seconds for a whole request; plugs are polled every few seconds
MAX_REPLY: Final = 64 * 1024  # bytes; plugs answer a few hundred, more is not a plug
MAX_HOST_NAME: Final = 253  # characters of a DNS name, without its final dot
# A DNS label as local networks use them: letters, digits, hyphens inside, and the
# underscore some devices put in their names.
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?", re.IGNORECASE)


class PlugError(Exception):
    """Base of every error a plug client raises."""


class PlugConnectionError(PlugError):
    """The plug cannot be reached, or did not answer in time."""


class PlugAuthError(PlugError):
    """The plug refused the token, or the user and password."""


class PlugProtocolError(PlugError):
    """The reply is not a plug's: another kind of device, malformed or truncated."""


@dataclass(frozen=True, slots=True)
class PlugInfo:
    """What a plug says about itself."""

    device_id: str  # stable and unique: a MAC address or a chip id
    model: str
    firmware: str
    sockets: int
    name: str | None = None
    manufacturer: str | None = None


@dataclass(frozen=True, slots=True)
class SocketState:
    """One socket (relay); any value the device does not report is None."""

    on: bool | None
    current_a: float | None = None
    power_w: float | None = None
    energy_wh: float | None = None


@dataclass(frozen=True, slots=True)
class PlugState:
    """The sockets, and the whole device's readings (a strip may only measure those)."""

    sockets: tuple[SocketState, ...]
    current_a: float | None = None
    power_w: float | None = None
    energy_wh: float | None = None


def checked_host(text: str) -> str:
    """A plug's host as typed, checked: an IPv4 or IPv6 address, or a DNS name.

    Surrounding spaces and an IPv6 address's brackets are dropped. Raises ValueError for
    anything else, such as a port, a path, user info or a line break typed in the host.
    """
    host = text.strip()
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(literal))
    except ValueError:
        pass
    try:  # an internationalised name is checked in the form DNS carries it
        name = host.removesuffix(".").encode("idna").decode("ascii")
    except UnicodeError as err:
        raise ValueError(f"not a host name: {text!r:.80}") from err
    labels = name.split(".")
    if (
        len(name) > MAX_HOST_NAME
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # a mistyped IPv4 address, never a name
    ):
        raise ValueError(f"not a host name: {text!r:.80}")
    return host


class PlugClient(ABC):
    """A plug on the local network, reached over HTTP through a shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int = 80,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Talk to `host:port` through `session` (Home Assistant passes its own)."""
        self._session = session
        self.host = host
        self.port = port
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def __str__(self) -> str:
        """Where the plug is, for messages (never the credentials)."""
        return f"{self.host}:{self.port}"

    @abstractmethod
    async def get_info(self) -> PlugInfo:
        """Identify the device; also the test made before configuring it."""

    @abstractmethod
    async def get_state(self) -> PlugState:
        """Read every socket."""

    @abstractmethod
    async def set_socket(self, index: int, on: bool) -> None:
        """Switch socket `index` (from 0) on or off."""

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: object = None,
    ) -> tuple[int, bytes]:
        """Send one request; the reply's status and body, read within the timeout."""
        url = URL.build(scheme="http", host=self.host, port=self.port, path=path)
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                headers=headers,
                json=body,
                timeout=self._timeout,
                allow_redirects=False,  # a redirect is a router's or a portal's page
            ) as response:
                if (response.content_length or 0) > MAX_REPLY:
                    raise PlugProtocolError(f"{self}: reply too large")
                data = bytearray()
                async for chunk in response.content.iter_any():
                    data += chunk
                    if len(data) > MAX_REPLY:
                        raise PlugProtocolError(f"{self}: reply too large")
                return response.status, bytes(data)
        except aiohttp.ClientPayloadError as err:
            raise PlugProtocolError(f"{self}: truncated reply") from err
        except aiohttp.ClientResponseError as err:  # the answer is not even HTTP
            raise PlugProtocolError(f"{self}: not an HTTP reply") from err
        except TimeoutError as err:
            raise PlugConnectionError(f"{self}: no answer in time") from err
        except aiohttp.ClientError as err:
            raise PlugConnectionError(f"{self}: cannot connect ({type(err).__name__})") from err


def parse_object(body: bytes, where: object) -> dict[str, Any]:
    """Return a reply's JSON object, or raise PlugProtocolError."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise PlugProtocolError(f"{where}: reply is not JSON") from err
    if not isinstance(data, dict):
        raise PlugProtocolError(f"{where}: reply is not a JSON object")
    return data


class Bounds(NamedTuple):
    """The physically possible range of a reading."""

    low: float
    high: float


# Whatever a plug measures is behind the house's meter: never more than its supply carries.
# An RMS current and an energy drawn are never negative; the power is when the appliance
# produces (a plug-in solar panel).
CURRENT_A: Final = Bounds(0.0, LARGEST_PHASE_CURRENT_A)
POWER_W: Final = Bounds(-LARGEST_PHASE_POWER_W, LARGEST_PHASE_POWER_W)
ENERGY_WH: Final = Bounds(0.0, LARGEST_PHASE_POWER_W * 24 * 365 * 100)  # a century at most
ENERGY_KWH: Final = Bounds(0.0, ENERGY_WH.high / 1000)


def number(value: object, what: str, bounds: Bounds) -> float | None:
    """Return a reading: None when absent, else a number within `bounds` (bool is not one)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlugProtocolError(f"{what} is not a number: {value!r:.40}")
    if not bounds.low <= value <= bounds.high:
        raise PlugProtocolError(f"{what} is not physically possible: {value!r:.40}")
    return float(value)


def total(values: list[float | None]) -> float | None:
    """Add readings up; None when one is missing."""
    if not values or any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)
