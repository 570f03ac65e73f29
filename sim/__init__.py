"""Seeded simulated MPP days (sim.day) and a driver that plays them against the Hall."""

from sim.day import Citizen, Day, Profile, Shift, generate_day
from sim.driver import HallDriver, play

__all__ = ["Citizen", "Day", "HallDriver", "Profile", "Shift", "generate_day", "play"]
