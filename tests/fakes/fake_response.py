"""One response of the fake upstream and the GA events that stream it (no I/O).

``FakeResponse`` methods change the response and return its events in wire order. Item
bookkeeping (the conversation's item list, truncation limits, call ids) is the
``Conversation``'s job.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Literal

from tests.fakes import ga_events as ev
from tests.fakes.ga_events import Event

__all__ = ["FakeResponse", "Output", "dig"]


def dig(value: object, *keys: str) -> object:
    """``value[k1][k2]...``, or None when a level is missing or not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass
class Output:
    """One output item of a response, while and after it streams."""

    item: Event
    output_index: int
    previous_item_id: str | None
    part_type: Literal["audio", "text"] | None  # None for a function call
    text: str = ""  # transcript, text or arguments streamed so far
    audio_bytes: int = 0
    done: bool = False

    @property
    def item_id(self) -> str:
        return str(self.item["id"])


@dataclass
class FakeResponse:
    """A response as the fake tracks it (``conn.responses``)."""

    id: str
    origin: Literal["client", "server"]
    create_event: Event | None
    session: Event  # the session when it was created (voice, output modalities)
    created_sent: bool = False
    status: str = "in_progress"
    reason: str | None = None
    outputs: list[Output] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status == "in_progress"

    @property
    def params(self) -> Event:
        """The ``response`` object of the ``response.create`` that asked for it."""
        params = dig(self.create_event, "response")
        return params if isinstance(params, dict) else {}

    @property
    def in_conversation(self) -> bool:
        """False for out-of-band responses (``conversation: "none"``)."""
        return self.params.get("conversation") != "none"

    def response_object(self) -> Event:
        voice = dig(self.session, "audio", "output", "voice")
        modalities = self.params.get("output_modalities") or self.session.get("output_modalities")
        finished = not self.active
        details = None
        if finished and self.status != "completed":
            details = {"type": self.status, "reason": self.reason}
        text_tokens = sum(len(o.text.split()) for o in self.outputs)
        audio_tokens = sum(o.audio_bytes // 480 for o in self.outputs)
        return ev.response_object(
            self.id,
            status=self.status,
            output=[o.item for o in self.outputs] if finished else [],
            voice=voice if isinstance(voice, str) else "alloy",
            output_modalities=modalities if isinstance(modalities, list) else None,
            conversation_id="conv_fake" if self.in_conversation else None,
            status_details=details,
            metadata=self.params.get("metadata"),
            usage=ev.usage(20, text_tokens, audio_tokens) if finished else None,
        )

    def created(self) -> list[Event]:
        """``response.created``, once."""
        if self.created_sent:
            return []
        self.created_sent = True
        return [{"type": "response.created", "response": self.response_object()}]

    def _refs(self, out: Output) -> Event:
        return {"response_id": self.id, "item_id": out.item_id, "output_index": out.output_index}

    def _open(
        self, item: Event, previous: str | None, part: Literal["audio", "text"] | None
    ) -> tuple[Output, list[Event]]:
        out = Output(item, len(self.outputs), previous, part)
        self.outputs.append(out)
        return out, [
            {
                "type": "response.output_item.added",
                "response_id": self.id,
                "output_index": out.output_index,
                "item": item,
            },
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item},
        ]

    def stream_message(
        self,
        item_id: str,
        previous: str | None,
        text: str,
        audio: bytes,
        part_type: Literal["audio", "text"],
        chunk_bytes: int,
    ) -> tuple[Output, list[Event]]:
        """An assistant message: added events, content part, interleaved text/audio deltas."""
        out, events = self._open(ev.assistant_message_item(item_id), previous, part_type)
        refs = self._refs(out)
        part = ev.content_part(part_type, "")
        events.append(
            {"type": "response.content_part.added", **refs, "content_index": 0, "part": part}
        )
        chunks = [audio[i : i + chunk_bytes] for i in range(0, len(audio), max(1, chunk_bytes))]
        pieces = ev.split_text(text, max(1, len(chunks)))
        text_type = (
            "response.output_audio_transcript.delta"
            if part_type == "audio"
            else "response.output_text.delta"
        )
        for index in range(max(len(chunks), len(pieces))):
            if index < len(pieces):
                out.text += pieces[index]
                events.append(
                    {"type": text_type, **refs, "content_index": 0, "delta": pieces[index]}
                )
            if index < len(chunks):
                out.audio_bytes += len(chunks[index])
                delta = base64.b64encode(chunks[index]).decode("ascii")
                events.append(
                    {
                        "type": "response.output_audio.delta",
                        **refs,
                        "content_index": 0,
                        "delta": delta,
                    }
                )
        return out, events

    def stream_call(
        self, item_id: str, call_id: str, previous: str | None, name: str, arguments: str
    ) -> tuple[Output, list[Event]]:
        """A function call item: added events, then the arguments in two deltas."""
        item = ev.function_call_item(item_id, call_id, name, "")
        out, events = self._open(item, previous, None)
        half = len(arguments) // 2
        for piece in (arguments[:half], arguments[half:]):
            if piece:
                out.text += piece
                events.append(
                    {
                        "type": "response.function_call_arguments.delta",
                        **self._refs(out),
                        "call_id": call_id,
                        "delta": piece,
                    }
                )
        return out, events

    def close_output(self, out: Output, status: str) -> list[Event]:
        """The ``*.done`` events of one item, ending with ``response.output_item.done``."""
        out.done = True
        refs = self._refs(out)
        events: list[Event] = []
        if out.part_type is None:
            call_id, name = out.item["call_id"], out.item["name"]
            item = ev.function_call_item(out.item_id, call_id, name, out.text, status)
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    **refs,
                    "call_id": call_id,
                    "name": name,
                    "arguments": out.text,
                }
            )
        else:
            if out.part_type == "audio":
                events += [
                    {"type": "response.output_audio.done", **refs, "content_index": 0},
                    {
                        "type": "response.output_audio_transcript.done",
                        **refs,
                        "content_index": 0,
                        "transcript": out.text,
                    },
                ]
            else:
                events.append(
                    {
                        "type": "response.output_text.done",
                        **refs,
                        "content_index": 0,
                        "text": out.text,
                    }
                )
            part = ev.content_part(out.part_type, out.text)
            events.append(
                {"type": "response.content_part.done", **refs, "content_index": 0, "part": part}
            )
            content = [ev.message_content(out.part_type, out.text)]
            item = ev.assistant_message_item(out.item_id, status, content)
        out.item = item
        return [
            *events,
            {
                "type": "conversation.item.done",
                "previous_item_id": out.previous_item_id,
                "item": item,
            },
            {
                "type": "response.output_item.done",
                "response_id": self.id,
                "output_index": out.output_index,
                "item": item,
            },
        ]

    def finish(self, status: str, reason: str | None = None) -> list[Event]:
        """Close open items (``incomplete`` unless completed), then ``response.done``."""
        item_status = "completed" if status == "completed" else "incomplete"
        events = self.created()
        for out in self.outputs:
            if not out.done:
                events += self.close_output(out, item_status)
        self.status, self.reason = status, reason
        events.append({"type": "response.done", "response": self.response_object()})
        return events
