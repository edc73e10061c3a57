"""Turns: what upstream events mean for the turn machine, and how its actions are carried out.

One `Turns` per session. It owns the session's turn machine, its response gate and its tool
calls. The session's upstream reader hands it the events that matter (`feed`, `error`,
`audio_delta`); the machine's entries come back through `_on_entry`, synchronously, and become
messages posted to the two outlets. Nothing here awaits a socket.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sessions.config import SessionConfig
from sessions.outlet import Outlet
from sessions.recorder import Recorder
from sessions.response_gate import ResponseGate
from sessions.tool_calls import ToolCalls, ToolSpec, function_call_output
from sessions.upstream_events import error_code, function_calls
from statemachine import Action, Clock, TimelineEntry, Transition, TurnMachine, TurnSettings

log = logging.getLogger(__name__)

_URGENT_ACTIONS = frozenset({"response.cancel", "conversation.item.truncate"})


def turn_settings(config: SessionConfig) -> TurnSettings:
    return TurnSettings(
        debounce_delay=config.debounce_delay,
        throttle_min_interval=config.throttle_min_interval,
    )


class Turns:
    """The turn machine of one session and everything that carries out its decisions."""

    def __init__(
        self,
        session_id: str,
        config: SessionConfig,
        tools: Mapping[str, ToolSpec],
        clock: Clock,
        up: Outlet,
        down: Outlet,
        recorder: Recorder | None,
    ) -> None:
        self._session_id = session_id
        self._up = up
        self._down = down
        self._recorder = recorder
        self.gate = ResponseGate()
        self.calls = ToolCalls(tools, config.tool_timeout, down.post_json)
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending_calls: list[str] = []
        self.machine = TurnMachine(
            turn_settings(config), clock, on_entry=self._on_entry, keep_timeline=False
        )

    def close(self) -> set[asyncio.Task[None]]:
        """Stop the machine and every tool call; returns the tasks still to wait for."""
        self.machine.close()
        self.calls.cancel_all()
        for task in self._tasks:
            task.cancel()
        return set(self._tasks)

    # -- upstream events ----------------------------------------------------------------

    def error(self, event: dict[str, Any]) -> bool:
        """An upstream `error`; True when the client should not see it (noise the relay
        itself caused and already dealt with)."""
        code = error_code(event)
        error = event.get("error")
        event_id = error.get("event_id") if isinstance(error, dict) else None
        failed, own_noise = self.gate.upstream_error(
            code, event_id if isinstance(event_id, str) else None
        )
        if code == "conversation_already_has_active_response":
            log.error("session %s: upstream reports an overlapping response", self._session_id)
        if failed:
            # No response.done will come for the refused create: end the turn as if it came.
            log.warning("session %s: upstream refused response.create (%s)", self._session_id, code)
            if self.machine.state == "responding":
                self.machine.response_done(tool_calls=0)
        return own_noise

    def feed(self, event_type: str, event: dict[str, Any]) -> None:
        """Upstream events that matter to the turn machine, the gate and the tools."""
        machine = self.machine
        if event_type == "input_audio_buffer.speech_started":
            # The position matters only on barge-in; the machine decides whether it is one
            # (also when a due turn opens at this very instant).
            position = self.gate.barge_in_position()
            if position is None:
                machine.speech_started()
            else:
                machine.speech_started(item_id=position[0], audio_end_ms=position[1])
        elif event_type == "input_audio_buffer.speech_stopped":
            machine.speech_stopped()
        elif event_type == "response.created":
            self.gate.response_created()
        elif event_type == "response.output_item.added":
            item = event.get("item")
            if isinstance(item, dict) and item.get("type") == "message" and item.get("id"):
                self.gate.audio_item_started(str(item["id"]))
        elif event_type == "response.function_call_arguments.done":
            self._start_call(event)
        elif event_type == "response.done":
            self._response_done(event)

    def _response_done(self, event: dict[str, Any]) -> None:
        calls = function_calls(event)
        for call in calls:
            self._start_call(call)
        self._pending_calls = [str(call["call_id"]) for call in calls]
        # Calls started for a response that did not ask for them (cancelled) end here.
        self.calls.cancel_except(set(self._pending_calls))
        texts, stale = self.gate.response_done()
        for text in texts:
            self._up.post(text)
        if stale and self.machine.state == "responding":
            # The cancelled previous answer finished; the turn in progress is another one.
            log.debug("session %s: late response.done of a cancelled answer", self._session_id)
        else:
            self.machine.response_done(tool_calls=len(calls))
        self._pending_calls = []

    def _start_call(self, call: dict[str, Any]) -> None:
        call_id, name = call.get("call_id"), call.get("name")
        if isinstance(call_id, str) and isinstance(name, str):
            arguments = call.get("arguments")
            self.calls.start(call_id, name, arguments if isinstance(arguments, str) else "")

    # -- the turn machine's output ------------------------------------------------------

    def _on_entry(self, entry: TimelineEntry) -> None:
        if self._recorder is not None:
            self._recorder.entry(entry)
        if isinstance(entry, Transition):
            self._down.post_json(
                {
                    "type": "botify.state",
                    "state": entry.dest,
                    "previous": entry.source,
                    "trigger": entry.trigger,
                    "t": round(entry.t, 3),
                }
            )
        elif isinstance(entry, Action):
            if entry.follow_up:
                calls, turn = list(self._pending_calls), self.gate.turn
                task = asyncio.create_task(self._follow_up(calls, entry, turn))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self._perform(entry)

    def _perform(self, action: Action) -> None:
        if action.name == "response.cancel":
            self._down.drop_audio()  # the cancelled answer's queued audio is not played
        for text in self.gate.perform(action):
            if action.name in _URGENT_ACTIONS:
                self._up.post_urgent(text)
            else:
                self._up.post(text)

    async def _follow_up(self, call_ids: list[str], action: Action, turn: int) -> None:
        """Rule 5: send the tool outputs, then the follow-up response.create, unless the
        user barged in meanwhile (the turn is over or another one began)."""
        outcomes = await self.calls.outcomes(call_ids)
        for outcome in outcomes:
            self._up.post(function_call_output(outcome))
        machine = self.machine
        if not machine.closed and machine.state == "responding" and self.gate.turn == turn:
            self._perform(action)
