"""CLI commands for the backup workflows: list, inspect, verify, export, prune.

Each command parses options, calls one library function and prints; see cli.py for the rules.
"""

from __future__ import annotations
