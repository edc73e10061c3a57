"""The gate never sends a second response.create, a needless cancel or a truncate too far, and
it recovers when the upstream refuses a create."""

from __future__ import annotations

import json

from sessions.response_gate import ResponseGate
from statemachine import Action


def create(follow_up: bool = False) -> Action:
    return Action("response.create", 0.0, follow_up=follow_up)


def types(texts: list[str]) -> list[str]:
    return [json.loads(text)["type"] for text in texts]


def event_id(texts: list[str]) -> str:
    (text,) = texts
    value = json.loads(text)["event_id"]
    assert isinstance(value, str)
    return value


def test_create_while_a_response_finishes_is_deferred_to_its_done() -> None:
    gate = ResponseGate()
    assert types(gate.perform(create())) == ["response.create"]
    assert types(gate.perform(Action("response.cancel", 1.0))) == ["response.cancel"]
    assert gate.perform(create()) == []  # the cancelled response is still finishing
    texts, stale = gate.response_done()
    assert types(texts) == ["response.create"] and stale
    texts, stale = gate.response_done()
    assert texts == [] and not stale
    assert gate.turn == 2 and gate.answered


def test_each_control_event_has_its_own_event_id() -> None:
    gate = ResponseGate()
    first = event_id(gate.perform(create()))
    cancel = event_id(gate.perform(Action("response.cancel", 1.0)))
    gate.response_done()
    second = event_id(gate.perform(create()))
    assert len({first, cancel, second}) == 3
    assert all(value.startswith("botify_") for value in (first, cancel, second))


def test_cancel_only_when_something_is_in_flight_and_only_once() -> None:
    gate = ResponseGate()
    assert gate.perform(Action("response.cancel", 0.0)) == []
    gate.perform(create())
    assert types(gate.perform(Action("response.cancel", 0.0))) == ["response.cancel"]
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


def test_a_refused_create_frees_the_gate_for_the_next_turn() -> None:
    gate = ResponseGate()
    refused = event_id(gate.perform(create()))
    failed, hidden = gate.upstream_error("server_error", refused)
    assert failed and not hidden and not gate.in_flight
    assert types(gate.perform(create())) == ["response.create"]  # not deferred forever


def test_an_error_without_event_id_before_response_created_fails_the_create() -> None:
    gate = ResponseGate()
    gate.perform(create())
    assert gate.upstream_error("server_error", None) == (True, False)
    assert not gate.in_flight


def test_errors_after_response_created_or_about_other_events_do_not_fail_it() -> None:
    gate = ResponseGate()
    gate.perform(create())
    assert gate.upstream_error("invalid_value", "client_evt_1") == (False, False)
    gate.response_created()
    assert gate.upstream_error("server_error", None) == (False, False)
    assert gate.in_flight


def test_an_overlap_error_is_not_a_failed_create() -> None:
    gate = ResponseGate()
    gate.perform(create())
    failed, _ = gate.upstream_error("conversation_already_has_active_response", None)
    assert not failed and gate.in_flight


def test_a_cancel_that_raced_the_end_is_hidden_and_clears_the_pending_cancel() -> None:
    gate = ResponseGate()
    gate.perform(create())
    gate.response_created()
    cancel = event_id(gate.perform(Action("response.cancel", 1.0)))
    assert gate.upstream_error("response_cancel_not_active", cancel) == (False, True)
    assert not gate.cancel_pending


def test_barge_in_position_is_clamped_to_the_audio_sent() -> None:
    gate = ResponseGate()
    assert gate.barge_in_position() is None
    gate.perform(create())
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


def test_barge_in_never_truncates_the_previous_answer() -> None:
    gate = ResponseGate()
    gate.perform(create())
    gate.audio_item_started("item_a")
    gate.audio_delta(500.0)
    gate.audio_played("item_a", 400)
    gate.response_done()
    gate.perform(create())  # the next answer has no audio yet
    gate.audio_played("item_a", 500)  # a late report about the earlier answer
    assert gate.barge_in_position() is None
