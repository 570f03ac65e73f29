"""Seeded simulated MPP days (sim.day) and a driver that plays them against the Hall."""

from sim.day import SITUATIONS, Citizen, Day, Profile, Shift, generate_day, situation
from sim.driver import HallDriver, play

__all__ = [
    "SITUATIONS",
    "Citizen",
    "Day",
    "HallDriver",
    "Profile",
    "Shift",
    "generate_day",
    "play",
    "situation",
]
