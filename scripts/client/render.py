"""What the client prints for each event it receives: readable lines, or one JSON line each.

Readable lines go to ``out`` as events arrive, stamped with the seconds since the connection
opened::

    [  0.62s] state      idle -> listening (speech_started)
    [  2.08s] you        what are your opening hours
    [  2.41s] tool       search {"query": "what are your opening hours"}
    [  2.42s] result     search ok in 1.3 ms: "what are your opening hours" -> Opening hours, ...
    [  2.47s] assistant  Our stores are open Monday to Saturday ...

The assistant's transcript arrives in deltas: on a terminal they are written as they come
and the line is ended by the final transcript; otherwise only the final line is printed.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any, TextIO

Event = dict[str, Any]
AUDIO_DELTAS = frozenset({"response.output_audio.delta", "response.audio.delta"})
_LABEL_WIDTH = 10


def decoded_size(b64: object) -> int:
    """Bytes of audio in a base64 string (0 when it is not valid base64)."""
    if not isinstance(b64, str):
        return 0
    try:
        return len(base64.b64decode(b64, validate=True))
    except (binascii.Error, ValueError):
        return 0


def summarise(event: Event) -> Event:
    """``event`` for the JSON output: an audio delta's base64 is replaced by its size
    (``"delta_bytes"``, decoded pcm16 bytes); every other event is unchanged."""
    if event.get("type") in AUDIO_DELTAS and "delta" in event:
        short = {key: value for key, value in event.items() if key != "delta"}
        short["delta_bytes"] = decoded_size(event["delta"])
        return short
    return event


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_text(event: Event) -> str:
    """``type/code: message`` of an ``error`` event (or of a failed response's error)."""
    error = event.get("error")
    if not isinstance(error, dict):
        return _shorten(json.dumps(event))
    kind = error.get("type") or "error"
    code = error.get("code")
    message = error.get("message") or "(no message)"
    return f"{kind}{'/' + str(code) if code else ''}: {message}"


class Printer:
    """Writes one event at a time, readable or as JSON lines."""

    def __init__(
        self, out: TextIO, *, as_json: bool = False, live_deltas: bool | None = None
    ) -> None:
        self.out = out
        self.as_json = as_json
        self.live_deltas = out.isatty() if live_deltas is None else live_deltas
        self.started = time.monotonic()
        self._partial: str | None = None  # the assistant line being written, if any
        self._partial_broken = False  # another line was printed in the middle of it

    def restart(self) -> None:
        """Stamps count from now (the connection opened)."""
        self.started = time.monotonic()

    def stamp(self) -> str:
        return f"[{time.monotonic() - self.started:7.2f}s]"

    def line(self, label: str, text: str) -> None:
        """One readable line (ends an assistant line still being written)."""
        if self.as_json:
            return
        if self._partial is not None:
            self.out.write("\n")
            self._partial_broken = True
        self.out.write(f"{self.stamp()} {label:<{_LABEL_WIDTH}} {text}\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """A message of the client itself (readable mode only)."""
        self.line("client", text)

    def event(self, event: Event) -> None:
        if self.as_json:
            self.out.write(json.dumps(summarise(event), ensure_ascii=False) + "\n")
            self.out.flush()
            return
        kind = str(event.get("type", ""))
        handler = _READABLE.get(kind)
        if handler is not None:
            handler(self, event)

    # -- the assistant's transcript -----------------------------------------------------

    def _delta(self, event: Event) -> None:
        delta = event.get("delta")
        if not isinstance(delta, str) or not self.live_deltas:
            return
        if self._partial is None:
            self._partial = ""
            self._partial_broken = False
            self.out.write(f"{self.stamp()} {'assistant':<{_LABEL_WIDTH}} ")
        elif self._partial_broken:
            return  # the final line will show it whole
        self._partial += delta
        self.out.write(delta)
        self.out.flush()

    def _final(self, event: Event) -> None:
        text = event.get("transcript", event.get("text"))
        text = text if isinstance(text, str) else ""
        if self._partial is not None and not self._partial_broken:
            rest = text[len(self._partial) :] if text.startswith(self._partial) else ""
            self.out.write(rest + "\n")
            self.out.flush()
        else:
            self._partial = None
            self.line("assistant", text or "(empty)")
        self._partial = None
        self._partial_broken = False

    # -- the other events ---------------------------------------------------------------

    def _session(self, event: Event) -> None:
        self.line("session", f"{event.get('session_id')} ({event.get('state')})")

    def _state(self, event: Event) -> None:
        self.line(
            "state", f"{event.get('previous')} -> {event.get('state')} ({event.get('trigger')})"
        )

    def _transcript(self, event: Event) -> None:
        text = event.get("transcript")
        self.line("you", text if isinstance(text, str) and text else "(nothing recognised)")

    def _tool_call(self, event: Event) -> None:
        self.line("tool", f"{event.get('name')} {_shorten(str(event.get('arguments', '')))}")

    def _tool_result(self, event: Event) -> None:
        name = event.get("name")
        ms = event.get("duration_ms")
        timing = f" in {ms} ms" if ms is not None else ""
        if not event.get("ok"):
            self.line("result", f"{name} failed{timing}: {event.get('error')}")
            return
        query = event.get("query")
        titles = event.get("titles")
        found = "no results"
        if isinstance(titles, list) and titles:
            unique = ", ".join(dict.fromkeys(str(t) for t in titles))
            found = f"{len(titles)} result{'s' if len(titles) > 1 else ''}: {unique}"
        head = f'"{query}" -> ' if isinstance(query, str) else ""
        self.line("result", f"{name} ok{timing}: {head}{_shorten(found)}")

    def _error(self, event: Event) -> None:
        self.line("error", error_text(event))

    def _response_done(self, event: Event) -> None:
        response = event.get("response") if isinstance(event.get("response"), dict) else {}
        assert isinstance(response, dict)
        status = response.get("status")
        output = response.get("output") or []
        kinds = [str(item.get("type")) for item in output if isinstance(item, dict)]
        what = ", ".join(kinds) if kinds else "no output"
        details = response.get("status_details")
        reason = ""
        if isinstance(details, dict) and details.get("reason"):
            reason = f", {details['reason']}"
        self.line("response", f"{status} ({what}{reason})")


_READABLE: dict[str, Callable[[Printer, Event], None]] = {
    "botify.session": Printer._session,
    "botify.state": Printer._state,
    "botify.tool_call": Printer._tool_call,
    "botify.tool_result": Printer._tool_result,
    "conversation.item.input_audio_transcription.completed": Printer._transcript,
    "response.output_audio_transcript.delta": Printer._delta,
    "response.output_text.delta": Printer._delta,
    "response.output_audio_transcript.done": Printer._final,
    "response.output_text.done": Printer._final,
    "response.done": Printer._response_done,
    "error": Printer._error,
}
