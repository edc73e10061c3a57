from __future__ import annotations

import platform

from app.malloc_tuning import tune_malloc


def test_the_mmap_threshold_is_set_on_glibc() -> None:
    assert tune_malloc() is (platform.libc_ver()[0] == "glibc")
