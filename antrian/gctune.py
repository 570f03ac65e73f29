"""Python's garbage collector, tuned for nodes that answer one request at a time.

By default a young-generation collection runs every 700 net allocations: in central that
is one request in forty, paying 0.1-1 ms, and now and then a full collection over the
whole ledger in memory (12 ms measured). A node instead freezes what it loaded at start
(catalogue, ledger, modules: never garbage), lets many more young objects pile up before
a collection is forced, and collects when it has nothing else to do.
"""

from __future__ import annotations

import gc
import time

YOUNG_THRESHOLD = 20_000  # forced collections become rare (~0.1 % of requests)
IDLE_YOUNG = 1_000  # below this many young objects an idle collection is not worth it
FULL_EVERY_S = 300.0  # an idle full collection at most this often


def settle() -> None:
    """Call once a node has started: what exists now stays for the process's life."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 100)


class IdleCollector:
    """The collection the next request would otherwise pay, run when the node is idle;
    one per loop, remembering when it last collected in full."""

    def __init__(self) -> None:
        self.last_full = float("-inf")

    def collect(self) -> None:
        young, middle, _old = gc.get_count()
        now = time.monotonic()
        if now - self.last_full >= FULL_EVERY_S and (young or middle):
            gc.collect()
            self.last_full = now
        elif young > IDLE_YOUNG or middle:
            gc.collect(1)
