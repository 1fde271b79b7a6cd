"""The bench's settings: the app's own, with the baselines' URLs added in front (never in config.urls)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
