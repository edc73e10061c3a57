"""The clocks: FakeClock's ordering, and LoopClock on a real event loop (tiny delays)."""

from __future__ import annotations

import asyncio

import pytest

from statemachine import Action, FakeClock, LoopClock, Transition, TurnMachine, TurnSettings


def test_fake_clock_fires_due_timers_in_time_order_with_now_at_their_due_time() -> None:
    clock = FakeClock()
    fired: list[tuple[str, float]] = []
    clock.call_at(2.0, lambda: fired.append(("b", clock.now())))
    clock.call_at(1.0, lambda: fired.append(("a", clock.now())))
    clock.call_at(2.0, lambda: fired.append(("c", clock.now())))  # same time: creation order
    clock.call_at(3.0, lambda: fired.append(("late", clock.now())))
    clock.advance_to(2.0)
    assert fired == [("a", 1.0), ("b", 2.0), ("c", 2.0)]
    assert clock.now() == 2.0
    assert clock.pending == 1
    assert clock.next_due() == 3.0


def test_fake_clock_cancel_and_timers_created_while_firing() -> None:
    clock = FakeClock()
    fired: list[float] = []
    handle = clock.call_at(1.0, lambda: fired.append(1.0))
    handle.cancel()
    clock.call_at(1.5, lambda: clock.call_at(1.7, lambda: fired.append(clock.now())))
    clock.advance(2.0)
    assert fired == [1.7]
    assert clock.pending == 0
    assert clock.next_due() is None


def test_fake_clock_never_goes_backwards() -> None:
    clock = FakeClock(start=5.0)
    with pytest.raises(ValueError):
        clock.advance_to(4.0)
    clock.advance_to(5.0)  # staying put is fine


def test_fake_clock_fires_a_timer_due_now_on_the_next_advance() -> None:
    clock = FakeClock()
    fired: list[float] = []
    clock.call_at(0.0, lambda: fired.append(clock.now()))
    assert fired == []
    clock.advance_to(0.0)
    assert fired == [0.0]


def test_loop_clock_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        LoopClock()


async def test_loop_clock_counts_from_its_creation_and_runs_timers() -> None:
    clock = LoopClock()
    loop = asyncio.get_running_loop()
    assert clock.loop is loop
    assert 0.0 <= clock.now() < 0.5
    done = loop.create_future()
    clock.call_at(clock.now() + 0.005, lambda: done.set_result(clock.now()))
    fired_at = await asyncio.wait_for(done, 2.0)
    assert fired_at >= 0.004


async def test_turn_machine_on_the_loop_clock_runs_its_own_timers() -> None:
    clock = LoopClock()
    loop = asyncio.get_running_loop()
    created: asyncio.Future[Action] = loop.create_future()
    back_to_idle: asyncio.Future[float] = loop.create_future()
    states: list[str] = []

    def on_transition(transition: Transition) -> None:
        states.append(transition.dest)
        if transition.dest == "idle":
            back_to_idle.set_result(transition.t)

    def on_action(action: Action) -> None:
        if not created.done():
            created.set_result(action)

    machine = TurnMachine(
        TurnSettings(debounce_delay=0.01, throttle_min_interval=0.03),
        clock,
        on_action=on_action,
        on_transition=on_transition,
    )
    machine.speech_started()
    machine.speech_stopped()
    action = await asyncio.wait_for(created, 2.0)
    assert action.name == "response.create"
    assert action.t >= 0.01
    assert machine.state == "responding"
    machine.response_done()  # cooling down until last_start + 0.03 (or idle if already past)
    idle_at = await asyncio.wait_for(back_to_idle, 2.0)
    assert idle_at >= machine.last_start + 0.03 - 1e-6  # type: ignore[operator]
    assert machine.state == "idle"
    assert states[:3] == ["listening", "debouncing", "responding"]
    machine.close()


async def test_overdue_timer_fires_before_an_input_even_if_the_loop_was_busy() -> None:
    clock = LoopClock()
    machine = TurnMachine(TurnSettings(debounce_delay=0.0, throttle_min_interval=0.0), clock)
    machine.speech_started()
    machine.speech_stopped()  # due now, but the loop has not run the timer yet
    assert machine.state == "debouncing"
    machine.speech_started()  # the due timer fires first, so this is a barge-in
    names = [entry.to_json().get("action") for entry in machine.timeline]
    assert [n for n in names if n] == ["response.create", "response.cancel"]
    assert machine.state == "listening"
    machine.close()
    await asyncio.sleep(0)  # the cancelled loop timer must not fire into a closed machine
    assert machine.state == "listening"


async def test_close_cancels_the_loop_timer() -> None:
    clock = LoopClock()
    machine = TurnMachine(TurnSettings(debounce_delay=0.005, throttle_min_interval=0.0), clock)
    machine.speech_started()
    machine.speech_stopped()
    machine.close()
    await asyncio.sleep(0.02)
    assert machine.state == "debouncing"
    assert len(machine.timeline) == 4


async def test_a_closed_live_machine_is_garbage_collected() -> None:
    import gc
    import weakref

    machine = TurnMachine(TurnSettings(debounce_delay=5.0), LoopClock())
    machine.speech_started()
    machine.speech_stopped()  # a loop timer 5 s ahead holds the machine until cancelled
    model = weakref.ref(machine._model)
    machine.close()
    del machine
    gc.collect()
    assert model() is None
