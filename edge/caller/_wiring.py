"""Composition root: picks the hardware and screen adapters a config asks for."""

from __future__ import annotations

import logging

from edge.caller._gpio import GpioPanels
from edge.caller._keyboard import KEYS_HELP, KeyboardPins
from edge.caller.config import CallerConfig
from edge.caller.hardware import CounterScreen, NoScreen
from edge.caller.node import CallerNode

log = logging.getLogger(__name__)


def build_node(config: CallerConfig) -> CallerNode:
    hardware = GpioPanels(config)
    screen: CounterScreen = NoScreen()
    if config.screen.mode != "none":
        # Only a node with a screen pays for importing pygame.
        from edge.caller._pygame_screen import PygameScreen

        shown = config.screen.counters or [c.id for c in config.counters]
        screen = PygameScreen(config.screen, shown, config.language)
        if config.pins == "mock":
            first = config.counter(shown[0])
            assert first is not None
            screen.on_key = KeyboardPins(hardware, first)
            log.info("simulated pins for %s: %s", first.id, KEYS_HELP)
    return CallerNode(config=config, hardware=hardware, screen=screen)
