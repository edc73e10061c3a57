"""Debounce, throttle, barge-in and tool follow-ups end to end, on real sockets.

Settings are short (debounce 0.05 s, throttle 0.3 s); the tests wait for events, never sleep.
"""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.fake_upstream import FakeUpstream
from tests.sessions.relay_helpers import connect, relay_app

DEBOUNCE = 0.05
THROTTLE = 0.3
AUDIO = b"\x01\x00" * 24000  # 500 ms


async def test_debounce_then_throttle(fake_upstream: FakeUpstream, aiohttp_client: Any) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    assert (await front.state("listening"))["previous"] == "idle"
    await up.speech_stopped()
    stopped_at = time.monotonic()
    debouncing = await front.state("debouncing")
    await up.receive("response.create")
    assert time.monotonic() - stopped_at >= DEBOUNCE
    responding = await front.state("responding")
    assert responding["previous"] == "debouncing" and responding["trigger"]
    # Times on the session clock: the create came D after speech_stopped (±1 ms rounding).
    assert responding["t"] - debouncing["t"] >= DEBOUNCE - 0.001
    await up.respond(text="We open at nine.", audio=AUDIO)
    await front.receive("response.done")
    await front.state("cooling_down")
    # The user speaks again during cooling-down: the throttle decides the next start.
    await up.speech_started()
    await front.state("listening")
    await up.speech_stopped()
    await up.receive("response.create")
    second = await front.state("responding")
    # The throttle counts from the first turn's due time (its `last_start`), which the
    # timer may have passed a little late on a busy machine.
    first_due = debouncing["t"] + DEBOUNCE
    assert second["t"] - first_due >= THROTTLE - 0.002
    assert up.protocol_violations == []


async def test_speech_during_debounce_drops_the_turn(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream, DEBOUNCE_DELAY="0.4"))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    await up.speech_stopped()
    await front.state("debouncing")
    await up.speech_started()
    back = await front.state("listening")
    assert back["previous"] == "debouncing"
    assert not any(e.get("type") == "response.create" for e in up.received)


async def test_barge_in_cancels_and_truncates_at_the_audio_played(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="Our opening hours are", audio=AUDIO, complete=False)
    added = await front.receive("response.output_item.added")
    item_id = added["item"]["id"]
    await front.send({"type": "botify.audio_played", "item_id": item_id, "audio_end_ms": 320})
    await front.receive("response.output_audio.delta")
    # The relay reads client events in order: once this one is refused, the report is in.
    await front.send({"type": "no.such.event"})
    await front.error()
    await up.speech_started()
    await up.receive("response.cancel")
    truncate = await up.receive("conversation.item.truncate")
    assert truncate["item_id"] == item_id and truncate["audio_end_ms"] == 320
    assert truncate["content_index"] == 0
    state = await front.state("listening")
    assert state["previous"] == "responding"
    await front.receive("conversation.item.truncated")
    done = [e for e in front.events if e["type"] == "response.done"]
    assert [d["response"]["status"] for d in done] == ["cancelled"]
    assert up.protocol_violations == []


async def test_a_new_turn_waits_for_the_cancelled_answer_to_finish(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    """The cancelled response's response.done arrives late: the next response.create must
    wait for it (never conversation_already_has_active_response), and the late done must
    not end the new turn."""
    client = await aiohttp_client(relay_app(fake_upstream, THROTTLE_MIN_INTERVAL="0"))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="Let me tell you", audio=AUDIO, complete=False)
    # Barge-in; the fake answers the cancel at once, so hold the next user turn until then.
    await up.speech_started()
    await up.receive("response.cancel")
    await up.speech_stopped()
    await up.receive("response.create")
    await front.state("responding")
    await up.respond(text="Sure.", audio=AUDIO)
    await front.state("idle")
    assert up.protocol_violations == []


async def test_tool_call_gets_output_then_follow_up(
    fake_upstream: FakeUpstream, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(relay_app(fake_upstream))
    front = await connect(client)
    up = await fake_upstream.next_connection()
    await up.speech_started()
    await up.speech_stopped()
    await up.receive("response.create")
    await up.respond(text="", function_calls=[("lookup", '{"query": "hours"}')])
    call = await front.receive("botify.tool_call")
    assert call["name"] == "lookup"
    result = await front.receive("botify.tool_result")
    assert result["ok"] is False and "no tool named" in result["error"]
    output = await up.receive("conversation.item.create")
    assert output["item"]["type"] == "function_call_output"
    assert output["item"]["call_id"] == call["call_id"]
    await up.receive("response.create")  # the follow-up (rule 5)
    assert [e["state"] for e in front.events if e["type"] == "botify.state"][-1] == "responding"
    await up.respond(text="I could not look that up.", audio=AUDIO)
    await front.state("cooling_down")
    assert up.protocol_violations == []
