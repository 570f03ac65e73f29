"""Composition root: picks the hardware and screen adapters a config asks for."""

from __future__ import annotations

from edge.caller._gpio import GpioPanels
from edge.caller.config import CallerConfig
from edge.caller.hardware import CounterScreen, NoScreen
from edge.caller.node import CallerNode


def build_node(config: CallerConfig) -> CallerNode:
    screen: CounterScreen = NoScreen()
    if config.screen.mode != "none":
        # Only a node with a screen pays for importing pygame.
        from edge.caller._pygame_screen import PygameScreen

        shown = config.screen.counters or [c.id for c in config.counters]
        screen = PygameScreen(config.screen, shown, config.language)
    return CallerNode(config=config, hardware=GpioPanels(config), screen=screen)
