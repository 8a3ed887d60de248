"""The in-process simulation: the OMS core and the venues with their background market on one virtual clock.

One module per concept: ``scheduler`` (the clock), ``latency`` (links in place
of sockets), ``scenario`` (the YAML schema), ``venue_node`` / ``oms_node`` /
``client`` (the participants), ``world`` (wiring and the run), ``recorder``,
``report`` and ``html`` (what comes out). ``oms-fix sim`` runs it.
"""

from .report import build_report, report_json, summary_line
from .scenario import Scenario, ScenarioError, load_scenario
from .world import Simulation, SimulationError

__all__ = ["Scenario", "ScenarioError", "Simulation", "SimulationError", "build_report", "load_scenario",
           "report_json", "summary_line"]
