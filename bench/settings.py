"""The app's settings plus a bare view for the throughput baselines (bench/urls.py)."""

from ocpdash.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
