"""Benchmark-only Django settings: newsindex's own, plus django-haystack with its Whoosh engine.

Used by benchmarks/haystack_reference.py only (never by the application). The haystack index
lives in its own folder inside the data folder, beside newsindex's index, never in it.
"""

from newsindex.settings import *  # noqa: F403
from newsindex.settings import DATA_DIR, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "haystack"]

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(DATA_DIR / "haystack_whoosh"),
    }
}
# One indexed model: skip the per-query "django_ct:search.article" narrowing search over every
# document (haystack's default, True; haystack_reference.py --limit-to-registered-models
# measures it).
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False
# Index updates only when the benchmark says so (the default, spelled out).
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
