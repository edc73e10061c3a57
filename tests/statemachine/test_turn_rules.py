"""Every rule of TURN_RULES.md, every "changes nothing" case, and the worked example."""

from __future__ import annotations

import pytest

from statemachine import STATES, Action, FakeClock, Input, Transition, TurnMachine, TurnSettings
from statemachine.rules import RULES
from tests.statemachine.turn_helpers import Rig, drive_to, make_rig


def test_starts_idle(rig: Rig) -> None:
    assert rig.state == "idle"
    assert rig.machine.timeline == []
    assert rig.machine.last_start is None
    assert rig.machine.pending_deadline is None


def test_rule_1_idle_speech_started_listening(rig: Rig) -> None:
    rig.at(0.25).speech_started()
    assert rig.state == "listening"
    assert rig.json() == [
        {"t": 0.25, "event": "speech_started"},
        {"t": 0.25, "source": "idle", "dest": "listening", "trigger": "speech_started"},
    ]
    assert rig.actions == []


def test_rule_2_speech_stopped_debounces_for_d(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(2.0).speech_stopped()
    assert rig.state == "debouncing"
    assert rig.machine.pending_deadline == 3.5  # t + D, no turn yet
    rig.at(3.499)
    assert rig.state == "debouncing"
    assert rig.actions == []


def test_rule_2_due_is_throttled_by_last_start(rig: Rig) -> None:
    drive_to(rig, "responding")  # last_start = 2.5
    rig.at(2.6).speech_started()  # barge-in
    rig.at(3.0).speech_stopped()  # t + D = 4.5, last_start + T = 6.5
    assert rig.machine.pending_deadline == 6.5
    rig.at(6.499)
    assert rig.state == "debouncing"
    rig.at(6.5)
    assert rig.state == "responding"
    assert rig.machine.last_start == 6.5


def test_rule_3_speech_started_while_debouncing_drops_the_turn(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(1.0).speech_stopped()
    rig.at(2.0).speech_started()
    assert rig.state == "listening"
    assert rig.machine.pending_deadline is None
    assert rig.clock.pending == 0
    rig.at(100.0)  # the dropped turn never fires
    assert rig.state == "listening"
    assert rig.actions == []


def test_rule_3_then_a_new_debounce_from_the_new_stop(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(1.0).speech_stopped()
    rig.at(2.0).speech_started()
    rig.at(3.0).speech_stopped()
    rig.at(4.4)
    assert rig.state == "debouncing"
    rig.at(4.5)
    assert rig.state == "responding"


def test_rule_4_due_opens_the_turn(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(1.0).speech_stopped()
    rig.at(2.5)
    assert rig.state == "responding"
    assert rig.actions == [Action("response.create", 2.5)]
    assert rig.actions[0].opens_turn
    assert rig.machine.last_start == 2.5
    assert rig.json()[-2:] == [
        {"t": 2.5, "source": "debouncing", "dest": "responding", "trigger": "debounce_due"},
        {"t": 2.5, "action": "response.create"},
    ]


def test_rule_5_tool_calls_stay_responding_with_a_follow_up(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).response_done(tool_calls=2)
    assert rig.state == "responding"
    follow_up = rig.actions[-1]
    assert follow_up == Action("response.create", 3.0, follow_up=True)
    assert not follow_up.opens_turn
    assert follow_up.to_json() == {"t": 3.0, "action": "response.create", "follow_up": True}
    assert rig.machine.last_start == 2.5  # a follow-up does not move last_start
    assert rig.transitions[-1].dest == "responding"  # no transition was recorded for it
    assert len(rig.transitions) == 3
    # The follow-up's own response_done (no tools) ends the turn as in rule 6.
    rig.at(4.0).response_done()
    assert rig.state == "cooling_down"


def test_rule_5_chains_of_tool_calls(rig: Rig) -> None:
    drive_to(rig, "responding")
    for t in (3.0, 3.5, 4.0):
        rig.at(t).response_done(tool_calls=1)
    assert [a.follow_up for a in rig.actions] == [False, True, True, True]
    rig.at(20.0).response_done(tool_calls=0)
    assert rig.state == "idle"


def test_rule_6_done_within_throttle_cools_down(rig: Rig) -> None:
    drive_to(rig, "responding")  # last_start 2.5
    rig.at(6.499).response_done()
    assert rig.state == "cooling_down"
    assert rig.machine.pending_deadline == 6.5


def test_rule_6_done_at_or_after_last_start_plus_t_is_idle(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(6.5).response_done(tool_calls=0)  # not t < 6.5
    assert rig.state == "idle"
    assert rig.clock.pending == 0


def test_rule_7_cooling_down_ends_at_last_start_plus_t(rig: Rig) -> None:
    drive_to(rig, "cooling_down")
    rig.at(6.499)
    assert rig.state == "cooling_down"
    rig.at(6.5)
    assert rig.state == "idle"
    assert rig.transitions[-1] == Transition(6.5, "cooling_down", "idle", "cooldown_over")


def test_rule_8_speech_in_cooling_down_listens_and_keeps_the_throttle(rig: Rig) -> None:
    drive_to(rig, "cooling_down")  # throttle until 6.5
    rig.at(3.5).speech_started()
    assert rig.state == "listening"
    assert rig.clock.pending == 0  # the cooling-down timer is gone
    rig.at(4.0).speech_stopped()  # 4.0 + 1.5 = 5.5 < 6.5: the throttle binds
    assert rig.machine.pending_deadline == 6.5
    rig.at(6.5)
    assert rig.state == "responding"
    creates = [a.t for a in rig.actions if a.opens_turn]
    assert creates == [2.5, 6.5]


def test_rule_9_barge_in_cancels(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).speech_started()
    assert rig.state == "listening"
    assert rig.actions[-1] == Action("response.cancel", 3.0)
    assert rig.machine.last_start == 2.5


def test_rule_9_barge_in_truncates_when_the_audio_played_is_known(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).speech_started(item_id="item_9", audio_end_ms=420)
    assert rig.actions[-2:] == [
        Action("response.cancel", 3.0),
        Action("conversation.item.truncate", 3.0, item_id="item_9", audio_end_ms=420),
    ]
    assert rig.json()[-4:] == [
        {"t": 3.0, "event": "speech_started", "item_id": "item_9", "audio_end_ms": 420},
        {"t": 3.0, "source": "responding", "dest": "listening", "trigger": "speech_started"},
        {"t": 3.0, "action": "response.cancel"},
        {
            "t": 3.0,
            "action": "conversation.item.truncate",
            "item_id": "item_9",
            "audio_end_ms": 420,
        },
    ]


@pytest.mark.parametrize(("item_id", "audio_end_ms"), [("item_9", None), (None, 420), (None, None)])
def test_rule_9_no_truncate_without_both(
    rig: Rig, item_id: str | None, audio_end_ms: int | None
) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).speech_started(item_id=item_id, audio_end_ms=audio_end_ms)
    assert rig.actions[-1] == Action("response.cancel", 3.0)


def test_item_id_outside_barge_in_is_recorded_but_does_nothing(rig: Rig) -> None:
    rig.at(0.0).speech_started(item_id="x", audio_end_ms=5)
    assert rig.actions == []
    assert rig.json()[0] == {"t": 0.0, "event": "speech_started", "item_id": "x", "audio_end_ms": 5}


# -- rule 10: every other input in every state changes nothing --------------------------

HANDLED = {(rule.trigger, rule.source) for rule in RULES}
UNHANDLED = [
    (state, event)
    for state in STATES
    for event in ("speech_started", "speech_stopped", "response_done")
    if (event, state) not in HANDLED
]


def test_rule_10_cases_are_the_expected_ones() -> None:
    assert sorted(UNHANDLED) == sorted(
        [
            ("idle", "speech_stopped"),
            ("idle", "response_done"),
            ("listening", "speech_started"),  # duplicate speech_started
            ("listening", "response_done"),  # late response_done after a cancel
            ("debouncing", "speech_stopped"),
            ("debouncing", "response_done"),
            ("cooling_down", "speech_stopped"),
            ("cooling_down", "response_done"),
            ("responding", "speech_stopped"),
        ]
    )


def _send(machine: TurnMachine, event: str, tool_calls: int = 0) -> None:
    if event == "speech_started":
        machine.speech_started(item_id="i", audio_end_ms=1)
    elif event == "speech_stopped":
        machine.speech_stopped()
    else:
        machine.response_done(tool_calls=tool_calls)


UNHANDLED_CASES = [
    (state, event, tool_calls)
    for state, event in UNHANDLED
    for tool_calls in ((0, 3) if event == "response_done" else (0,))
]


@pytest.mark.parametrize(("state", "event", "tool_calls"), UNHANDLED_CASES)
def test_rule_10_changes_nothing_and_is_recorded(state: str, event: str, tool_calls: int) -> None:
    rig = make_rig()
    drive_to(rig, state)
    assert rig.state == state
    before = (
        rig.machine.pending_deadline,
        rig.machine.last_start,
        len(rig.actions),
        len(rig.transitions),
        rig.clock.pending,
    )
    t = rig.clock.now()
    _send(rig.machine, event, tool_calls)
    after = (
        rig.machine.pending_deadline,
        rig.machine.last_start,
        len(rig.actions),
        len(rig.transitions),
        rig.clock.pending,
    )
    assert rig.state == state
    assert after == before
    last = rig.machine.timeline[-1]
    assert isinstance(last, Input)
    assert (last.t, last.event) == (t, event)


def test_rule_10_late_response_done_after_cancel(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).speech_started()  # barge-in: cancel
    rig.at(3.1).response_done()  # the cancelled response finishing
    assert rig.state == "listening"
    rig.at(3.5).speech_stopped()
    rig.at(6.5)  # max(3.5 + 1.5, 2.5 + 4) = 6.5
    assert rig.state == "responding"


def test_rule_10_duplicate_speech_stopped_does_not_move_the_due_time(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(1.0).speech_stopped()
    rig.at(2.0).speech_stopped()
    assert rig.machine.pending_deadline == 2.5
    rig.at(2.5)
    assert rig.state == "responding"


# -- the worked example -----------------------------------------------------------------


def test_worked_example() -> None:
    rig = make_rig(1.5, 4)
    m = rig.machine
    rig.at(0.0).speech_started()
    assert rig.state == "listening"
    rig.at(2.0).speech_stopped()
    assert rig.state == "debouncing"
    rig.at(3.5)
    assert rig.state == "responding"
    rig.at(5.0).response_done()
    assert rig.state == "cooling_down"
    rig.at(5.2).speech_started()
    assert rig.state == "listening"
    rig.at(5.8).speech_stopped()
    assert rig.state == "debouncing"
    rig.at(7.499)
    assert rig.state == "debouncing"  # 5.8 + 1.5 = 7.3 passed: the throttle binds
    rig.at(7.5)
    assert rig.state == "responding"
    table = [(e.t, e.source, e.dest) for e in rig.transitions]
    assert table == [
        (0.0, "idle", "listening"),
        (2.0, "listening", "debouncing"),
        (3.5, "debouncing", "responding"),
        (5.0, "responding", "cooling_down"),
        (5.2, "cooling_down", "listening"),
        (5.8, "listening", "debouncing"),
        (7.5, "debouncing", "responding"),
    ]
    assert [(a.t, a.name) for a in rig.actions] == [
        (3.5, "response.create"),
        (7.5, "response.create"),
    ]
    assert m.last_start == 7.5


def test_decimal_times_add_up_as_written() -> None:
    rig = make_rig(0.2, 0.0)
    rig.at(0.0).speech_started()
    rig.at(0.1).speech_stopped()  # 0.1 + 0.2 is 0.30000000000000004 in binary floats
    assert rig.machine.pending_deadline == 0.3
    rig.at(0.3)
    assert rig.state == "responding"


def test_zero_debounce_fires_before_the_next_input_at_the_same_time() -> None:
    rig = make_rig(0.0, 0.0)
    rig.at(1.0).speech_started()
    rig.machine.speech_stopped()
    assert rig.state == "debouncing"  # the timer runs after the input, not inside it
    rig.at(1.0).speech_started()  # a timer due at t fires before the inputs at t
    assert [a.name for a in rig.actions] == ["response.create", "response.cancel"]


# -- settings, callbacks, timeline ------------------------------------------------------


def test_settings_defaults_and_validation() -> None:
    assert TurnSettings() == TurnSettings(1.5, 4.0)
    assert TurnSettings(2, 3).debounce_delay == 2.0
    assert TurnSettings().with_overrides(throttle_min_interval=1) == TurnSettings(1.5, 1.0)
    with pytest.raises(ValueError):
        TurnSettings(debounce_delay=-1)
    with pytest.raises(ValueError):
        TurnSettings(throttle_min_interval=float("nan"))
    with pytest.raises(TypeError):
        TurnSettings(debounce_delay=True)


def test_callbacks_receive_entries_in_timeline_order(rig: Rig) -> None:
    drive_to(rig, "responding")
    rig.at(3.0).speech_started(item_id="a", audio_end_ms=7)
    assert rig.entries == rig.machine.timeline
    assert rig.transitions == [e for e in rig.entries if isinstance(e, Transition)]
    assert rig.actions == [e for e in rig.entries if isinstance(e, Action)]


def test_keep_timeline_false_keeps_nothing_but_still_calls_back() -> None:
    clock = FakeClock()
    seen: list[str] = []
    m = TurnMachine(
        TurnSettings(),
        clock,
        on_action=lambda a: seen.append(a.name),
        keep_timeline=False,
    )
    m.speech_started()
    clock.advance_to(1.0)
    m.speech_stopped()
    clock.advance_to(3.0)
    assert m.state == "responding"
    assert m.timeline == []
    assert seen == ["response.create"]


def test_timeline_is_a_copy(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.machine.timeline.clear()
    assert len(rig.machine.timeline) == 2


def test_bad_arguments_are_refused(rig: Rig) -> None:
    with pytest.raises(ValueError):
        rig.machine.response_done(tool_calls=-1)
    with pytest.raises(ValueError):
        rig.machine.response_done(tool_calls=True)
    with pytest.raises(ValueError):
        rig.machine.speech_started(item_id="x", audio_end_ms=-5)
    with pytest.raises(TypeError):
        rig.machine.speech_started(item_id=3)  # type: ignore[arg-type]
    assert rig.machine.timeline == []


def test_json_rounds_t_to_milliseconds() -> None:
    assert Transition(2.00049, "a", "b", "c").to_json()["t"] == 2.0
    assert Action("response.create", 3.4996).to_json() == {"t": 3.5, "action": "response.create"}
    assert Input(1 / 3, "speech_stopped").to_json() == {"t": 0.333, "event": "speech_stopped"}
    assert Input(5.0, "response_done", tool_calls=0).to_json() == {
        "t": 5.0,
        "event": "response_done",
        "tool_calls": 0,
    }


# -- close ------------------------------------------------------------------------------


def test_close_cancels_timers_detaches_the_model_and_is_idempotent(rig: Rig) -> None:
    rig.at(0.0).speech_started()
    rig.at(1.0).speech_stopped()
    machine = rig.machine
    machine.close()
    machine.close()
    assert machine.closed
    assert rig.clock.pending == 0
    assert machine._machine.models == []  # no leak: the transitions machine forgot it
    rig.at(10.0)
    assert rig.state == "debouncing"  # nothing fired after close
    machine.speech_started()  # ignored, not recorded, no callback
    assert len(machine.timeline) == 4
    assert len(rig.entries) == 4


def test_machines_share_nothing() -> None:
    a, b = make_rig(), make_rig()
    a.at(0.0).speech_started()
    assert (a.state, b.state) == ("listening", "idle")
    assert a.machine._machine is not b.machine._machine


def test_a_closed_machine_is_garbage_collected() -> None:
    import gc
    import weakref

    clock = FakeClock()
    machine = TurnMachine(TurnSettings(), clock)
    machine.speech_started()
    machine.speech_stopped()
    model = weakref.ref(machine._model)
    machine.close()
    del machine
    gc.collect()
    assert model() is None
    clock.advance_to(10.0)  # the cancelled timer does not resurrect anything
