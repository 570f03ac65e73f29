"""The caller node: officers' buttons, feedback LEDs, the counter screen and the IKM panel."""

from edge.caller._wiring import build_node
from edge.caller.config import CallerConfig, load_config
from edge.caller.node import CallerNode
from edge.caller.panel import Button, CounterPanel, Gesture, Led, Press

__all__ = [
    "Button",
    "CallerConfig",
    "CallerNode",
    "CounterPanel",
    "Gesture",
    "Led",
    "Press",
    "build_node",
    "load_config",
]
