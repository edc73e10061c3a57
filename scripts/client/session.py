"""One conversation turn with ``/realtime``: connect, stream the audio at real-time pace while
printing what comes back, collect the reply's audio, and decide how the run ended.

The run ends at the first *answer*: a ``response.done`` with status ``completed`` (or
``incomplete``) whose output holds an assistant message. A response that only calls a tool
does not end it (the relay runs the tool and asks for the spoken answer). Any ``error``
event, a ``failed`` response, the socket closing first, or no answer ``timeout`` seconds
after the last audio was sent end it too, each with its own :class:`ExitCode`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http
import json
import os
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import aiohttp

from scripts.client.audio import append_event, ms_of, stream_paced
from scripts.client.render import AUDIO_DELTAS, Event, Printer, error_text

MAX_FRAME = 64 * 1024 * 1024
CLOSE_GRACE = 1.0  # s to wait for the reason of a close after sending failed


class ExitCode(IntEnum):
    """The client's exit status."""

    OK = 0  # an answer completed
    ERROR_EVENT = 1  # the service sent an `error` event (or a response failed)
    USAGE = 2  # bad arguments, unreadable WAV, speech libraries missing for --say
    CONNECT_FAILED = 3  # no WebSocket: refused, unknown host, HTTP error on the upgrade
    CLOSED_EARLY = 4  # the socket closed before an answer completed
    TIMEOUT = 5  # no answer within --timeout after the audio was sent
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODE_HELP = """exit status:
  0    an answer completed (response.done, status completed, with an assistant message)
  1    the service sent an error event, or a response failed
  2    bad arguments, unreadable WAV, or --say without the speech libraries
  3    could not open the WebSocket (connection refused, unknown host, HTTP error
       on the upgrade, e.g. 404 for a wrong path, or no handshake within --timeout)
  4    the connection closed before an answer completed
  5    no answer within --timeout seconds after the last audio was sent
  130  interrupted (Ctrl-C)"""


@dataclass(frozen=True)
class ClientOptions:
    url: str
    chunk_ms: int = 100
    timeout: float = 30.0
    speed: float = 1.0


@dataclass
class RunResult:
    """How the run ended, and what was heard on the way."""

    code: ExitCode
    message: str = ""
    session_id: str | None = None
    transcripts: list[str] = field(default_factory=list)
    tool_calls: list[Event] = field(default_factory=list)
    answer: str = ""
    audio: bytearray = field(default_factory=bytearray)
    events: int = 0
    close_code: int | None = None
    speech_stopped_at: float | None = None  # loop time the last speech_stopped arrived
    first_audio_at: float | None = None  # loop time of the first audio delta after it

    @property
    def reply_latency(self) -> float | None:
        """Seconds from the last ``speech_stopped`` to the first audio of the reply."""
        if self.speech_stopped_at is None or self.first_audio_at is None:
            return None
        return self.first_audio_at - self.speech_stopped_at

    @property
    def audio_seconds(self) -> float:
        return ms_of(len(self.audio)) / 1000


def _is_answer(response: dict[str, Any]) -> bool:
    return any(
        isinstance(item, dict) and item.get("type") == "message"
        for item in response.get("output") or []
    )


class Conversation:
    """Reads the socket (the only task that does) and keeps what the run needs."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, printer: Printer) -> None:
        self.ws = ws
        self.printer = printer
        self.result = RunResult(ExitCode.CLOSED_EARLY)

    async def receive(self) -> RunResult:
        """Until the run's outcome is known; returns the result with its exit code."""
        result = self.result
        while True:
            message = await self.ws.receive()
            if message.type is aiohttp.WSMsgType.TEXT:
                try:
                    event = json.loads(message.data)
                except ValueError:
                    self.printer.note(f"ignored a frame that is not JSON: {message.data[:80]!r}")
                    continue
                if not isinstance(event, dict):
                    continue
                result.events += 1
                self.printer.event(event)
                ended = self._on_event(event)
                if ended is not None:
                    result.code, result.message = ended
                    return result
            elif message.type is aiohttp.WSMsgType.BINARY:
                continue
            elif message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                result.close_code = self.ws.close_code
                reason = f" ({message.extra})" if message.extra else ""
                result.code = ExitCode.CLOSED_EARLY
                result.message = (
                    f"the service closed the connection with code {self.ws.close_code}{reason} "
                    "before an answer completed"
                )
                return result
            else:  # ERROR
                result.code = ExitCode.CLOSED_EARLY
                result.message = f"the connection failed before an answer completed: {message.data}"
                return result

    def _on_event(self, event: Event) -> tuple[ExitCode, str] | None:
        result = self.result
        kind = event.get("type")
        if kind in AUDIO_DELTAS:
            delta = event.get("delta")
            if isinstance(delta, str):
                with contextlib.suppress(ValueError):
                    result.audio += base64.b64decode(delta)
                if result.first_audio_at is None:
                    result.first_audio_at = asyncio.get_running_loop().time()
        elif kind == "input_audio_buffer.speech_stopped":
            result.speech_stopped_at = asyncio.get_running_loop().time()
            result.first_audio_at = None
        elif kind == "botify.session":
            session_id = event.get("session_id")
            result.session_id = session_id if isinstance(session_id, str) else None
        elif kind == "conversation.item.input_audio_transcription.completed":
            result.transcripts.append(str(event.get("transcript", "")))
        elif kind == "botify.tool_call":
            result.tool_calls.append(event)
        elif kind in ("response.output_audio_transcript.done", "response.output_text.done"):
            text = event.get("transcript", event.get("text"))
            result.answer = text if isinstance(text, str) else result.answer
        elif kind == "error":
            return ExitCode.ERROR_EVENT, f"the service sent an error: {error_text(event)}"
        elif kind == "response.done":
            response = event.get("response")
            if not isinstance(response, dict):
                return None
            status = response.get("status")
            if status == "failed":
                details = response.get("status_details") or {}
                problem = details.get("error") if isinstance(details, dict) else None
                text = error_text({"error": problem}) if isinstance(problem, dict) else "failed"
                return ExitCode.ERROR_EVENT, f"the response failed: {text}"
            if status in ("completed", "incomplete") and _is_answer(response):
                return ExitCode.OK, f"answer {status}"
        return None


async def _connect(
    session: aiohttp.ClientSession, options: ClientOptions
) -> aiohttp.ClientWebSocketResponse | RunResult:
    url = options.url
    try:
        async with asyncio.timeout(options.timeout):
            return await session.ws_connect(
                url, compress=0, max_msg_size=MAX_FRAME, autoping=True, autoclose=True
            )
    except aiohttp.WSServerHandshakeError as problem:
        hint = ""
        if problem.status == 404:
            hint = " (wrong path? the service's WebSocket is /realtime)"
        elif 200 <= problem.status < 300:
            hint = " (not a WebSocket endpoint?)"
        return RunResult(
            ExitCode.CONNECT_FAILED,
            f"{url}: the server refused the WebSocket upgrade with HTTP {problem.status} "
            f"{_reason(problem.status)}{hint}",
        )
    except aiohttp.ClientConnectorDNSError as problem:
        return RunResult(
            ExitCode.CONNECT_FAILED,
            f"cannot resolve the host {problem.host!r}: {problem.os_error.strerror}",
        )
    except aiohttp.ClientConnectorError as problem:
        errno = problem.os_error.errno
        why = os.strerror(errno).lower() if errno and errno > 0 else str(problem.os_error)
        return RunResult(
            ExitCode.CONNECT_FAILED,
            f"cannot connect to {problem.host}:{problem.port}: {why} "
            "(is the service running? start it with: python -m app)",
        )
    except TimeoutError:
        return RunResult(
            ExitCode.CONNECT_FAILED, f"{url}: no WebSocket handshake within {options.timeout:g} s"
        )
    except aiohttp.InvalidURL:
        return RunResult(ExitCode.USAGE, f"{url}: not a valid URL")
    except aiohttp.ClientError as problem:
        return RunResult(ExitCode.CONNECT_FAILED, f"{url}: {type(problem).__name__}: {problem}")


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


async def run_turn(options: ClientOptions, pcm: bytes, printer: Printer) -> RunResult:
    """Connect, stream ``pcm`` at real-time pace and wait for the answer."""
    async with aiohttp.ClientSession() as session:
        connected = await _connect(session, options)
        if isinstance(connected, RunResult):
            return connected
        printer.restart()
        async with connected as ws:
            return await _converse(ws, options, pcm, printer)


async def _converse(
    ws: aiohttp.ClientWebSocketResponse, options: ClientOptions, pcm: bytes, printer: Printer
) -> RunResult:
    conversation = Conversation(ws, printer)
    receiver = asyncio.create_task(conversation.receive())

    async def send(chunk: bytes) -> None:
        await ws.send_str(append_event(chunk))

    sender = asyncio.create_task(stream_paced(send, pcm, options.chunk_ms, options.speed))
    try:
        await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
        if not receiver.done():
            try:
                sender.result()
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                # The socket went away while sending: the receiver reports why.
                return await _result_within(receiver, CLOSE_GRACE, conversation.result)
            printer.note(f"all {len(pcm) / 48000:.1f} s of audio sent; waiting for the answer")
            try:
                return await asyncio.wait_for(asyncio.shield(receiver), options.timeout)
            except TimeoutError:
                result = conversation.result
                result.code = ExitCode.TIMEOUT
                result.message = f"no answer within {options.timeout:g} s after the audio was sent"
                return result
        return receiver.result()
    finally:
        for task in (sender, receiver):
            task.cancel()
        await asyncio.gather(sender, receiver, return_exceptions=True)


async def _result_within(
    receiver: asyncio.Task[RunResult], seconds: float, fallback: RunResult
) -> RunResult:
    try:
        return await asyncio.wait_for(asyncio.shield(receiver), seconds)
    except TimeoutError:
        fallback.code = ExitCode.CLOSED_EARLY
        fallback.message = "the connection broke while sending audio"
        return fallback
