"""One JSONL timeline per session, in the scenario format of TURN_RULES.md (replayable)."""

from __future__ import annotations

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
    """

    def __init__(self, file: IO[str], path: Path, record_audio: bool) -> None:
        self._file = file
        self.path = path
        self._record_audio = record_audio

    @classmethod
    def open(
        cls, folder: Path, session_id: str, settings: TurnSettings, record_audio: bool
    ) -> Recorder:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = folder / f"{stamp}-{session_id}.jsonl"
        recorder = cls(path.open("w", encoding="utf-8"), path, record_audio)
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

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, separators=(", ", ": ")) + "\n")

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

    def close(self) -> None:
        try:
            self._file.close()
        except OSError:
            log.exception("could not close the recording %s", self.path)
