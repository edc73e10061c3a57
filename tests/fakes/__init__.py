"""Fakes of the platforms the service talks to, named for what they fake.

- ``fake_upstream``: the Azure OpenAI Realtime / Azure Voice Live GA WebSocket API
  (``FakeUpstream``, ``FakeUpstreamConnection``, ``free_closed_port``);
- ``fixtures``: the pytest fixture ``fake_upstream`` (add
  ``pytest_plugins = ["tests.fakes.fixtures"]`` to ``tests/conftest.py``);
- ``ga_models``: checks of GA events against the openai package's typed models;
- ``ga_events``: builders of the GA server events the fake emits.

Nothing is imported here, so ``python -m tests.fakes.fake_upstream`` runs cleanly.
"""
