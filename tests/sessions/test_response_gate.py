"""The gate never sends a second response.create, a needless cancel or a truncate too far."""

from __future__ import annotations

import json

from sessions.response_gate import RESPONSE_CANCEL, RESPONSE_CREATE, ResponseGate
from statemachine import Action


def create(follow_up: bool = False) -> Action:
    return Action("response.create", 0.0, follow_up=follow_up)


def test_create_while_a_response_finishes_is_deferred_to_its_done() -> None:
    gate = ResponseGate()
    assert gate.perform(create()) == [RESPONSE_CREATE]
    assert gate.perform(Action("response.cancel", 1.0)) == [RESPONSE_CANCEL]
    assert gate.perform(create()) == []  # the cancelled response is still finishing
    texts, stale = gate.response_done()
    assert texts == [RESPONSE_CREATE] and stale
    texts, stale = gate.response_done()
    assert texts == [] and not stale
    assert gate.turn == 2 and gate.answered


def test_cancel_only_when_something_is_in_flight_and_only_once() -> None:
    gate = ResponseGate()
    assert gate.perform(Action("response.cancel", 0.0)) == []
    gate.perform(create())
    assert gate.perform(Action("response.cancel", 0.0)) == [RESPONSE_CANCEL]
    assert gate.perform(Action("response.cancel", 0.0)) == []


def test_cancel_drops_a_deferred_create() -> None:
    gate = ResponseGate()
    gate.perform(create())
    gate.perform(Action("response.cancel", 0.0))
    gate.perform(create())
    gate.perform(Action("response.cancel", 0.0))
    assert gate.response_done()[0] == []


def test_follow_up_does_not_count_as_a_turn() -> None:
    gate = ResponseGate()
    gate.perform(create())
    gate.response_done()
    gate.perform(create(follow_up=True))
    assert gate.turn == 1


def test_barge_in_position_is_clamped_to_the_audio_sent() -> None:
    gate = ResponseGate()
    assert gate.barge_in_position() is None
    gate.audio_item_started("item_a")
    gate.audio_delta(200.0)
    gate.audio_delta(100.0)
    gate.audio_played("item_a", 250)
    assert gate.barge_in_position() == ("item_a", 250)
    gate.audio_played("item_a", 9000)
    assert gate.barge_in_position() == ("item_a", 300)
    gate.audio_played("unknown_item", 10)
    assert gate.barge_in_position() is None
    truncate = gate.perform(
        Action("conversation.item.truncate", 0.0, item_id="item_a", audio_end_ms=120)
    )
    assert json.loads(truncate[0]) == {
        "type": "conversation.item.truncate",
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": 120,
    }
