"""One JSONL timeline per session, in the scenario format of TURN_RULES.md (replayable)."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path
from typing import IO, Any

from statemachine import TimelineEntry, TurnSettings

log = logging.getLogger(__name__)
_IDS = ("event_id", "item_id", "response_id", "call_id", "previous_item_id")


class Recorder:
    """Writes the config line, every machine entry and the other events as `meta` lines.

    Audio bytes are left out unless `record_audio`; headers and keys never reach it.
    A failing disk never reaches the relay: the first write error logs one warning and the
    session goes on without recording.
    """

    def __init__(self, file: IO[str], path: Path, record_audio: bool) -> None:
        self._file: IO[str] | None = file
        self.path = path
        self._record_audio = record_audio

    @classmethod
    def open(
        cls, folder: Path, session_id: str, settings: TurnSettings, record_audio: bool
    ) -> Recorder | None:
        """The session's recorder, or None (with one warning) when the file cannot be made."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = folder / f"{stamp}-{session_id}.jsonl"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            file = path.open("w", encoding="utf-8")
        except OSError as error:
            log.warning(
                "session %s: not recording: cannot create %s (%s)",
                session_id,
                path,
                error.strerror or type(error).__name__,
            )
            return None
        recorder = cls(file, path, record_audio)
        recorder._write(
            {
                "config": {
                    "debounce_delay": settings.debounce_delay,
                    "throttle_min_interval": settings.throttle_min_interval,
                }
            }
        )
        return recorder

    @property
    def records_audio(self) -> bool:
        return self._record_audio

    @property
    def active(self) -> bool:
        """False once a write failed: the recording stopped there."""
        return self._file is not None

    def _write(self, line: dict[str, Any]) -> None:
        file = self._file
        if file is None:
            return
        try:
            file.write(json.dumps(line, separators=(", ", ": ")) + "\n")
        except (OSError, ValueError) as error:
            self._file = None
            reason = getattr(error, "strerror", None) or type(error).__name__
            log.warning("recording %s stopped: %s", self.path, reason)
            with contextlib.suppress(OSError):
                file.close()

    def entry(self, entry: TimelineEntry) -> None:
        self._write(entry.to_json())

    def meta(
        self,
        t: float,
        direction: str,
        event_type: str,
        size: int,
        event: dict[str, Any] | None = None,
        audio_b64: str | None = None,
    ) -> None:
        meta: dict[str, Any] = {"dir": direction, "type": event_type, "bytes": size}
        if event is not None:
            for key in _IDS:
                value = event.get(key)
                if isinstance(value, str):
                    meta[key] = value
            response = event.get("response")
            if isinstance(response, dict) and isinstance(response.get("id"), str):
                meta["response_id"] = response["id"]
                meta["status"] = response.get("status")
            error = event.get("error")
            if isinstance(error, dict):
                meta["code"] = error.get("code")
        if audio_b64 is not None and self._record_audio:
            meta["audio"] = audio_b64
        self._write({"t": round(t, 3) + 0.0, "meta": meta})

    def upstream(self, t: float, text: str, event_type: str, event: dict[str, Any] | None) -> None:
        """An upstream event as metadata; flat deltas (`event` None) are parsed only when
        their audio is kept."""
        if event is None and self._record_audio:
            event = json.loads(text)
        if event is None:
            self.meta(t, "upstream", event_type, len(text))
            return
        audio = event.get("delta") if event_type == "response.output_audio.delta" else None
        self.meta(
            t, "upstream", event_type, len(text), event, audio if isinstance(audio, str) else None
        )

    def close(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        try:
            file.close()
        except OSError as error:
            log.warning(
                "recording %s: could not be completed: %s",
                self.path,
                error.strerror or type(error).__name__,
            )
