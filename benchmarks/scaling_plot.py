"""The scaling plot: seconds against rows per tool, with each tool's least-squares line.

matplotlib is a benchmark-only extra (`pip install -e '.[bench]'`); this module is the only
one that imports it, and only suite.py imports this module.  The data comes from
scorecard.scaling_series / scorecard.linear_fit, which the tests check without matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt
import scorecard

DPI = 120


def write_png(series: Mapping[str, Sequence[tuple[int, float]]], path: Path, title: str) -> None:
    """Draw every series with 1+ point, its fitted line where it has 2+ sizes, into path."""
    fig, ax = plt.subplots(figsize=(8, 5))
    try:
        for label, points in series.items():
            if not points:
                continue
            xs = [x / 1e6 for x, _ in points]
            fit = scorecard.linear_fit(points) if len({x for x, _ in points}) >= 2 else None
            if fit is not None and fit.n >= 3:
                label = f"{label} (R² {fit.r2:.3f})"
            marker = "o" if label.startswith("pgsnap") else "s"
            line = ax.plot(xs, [y for _, y in points], marker, label=label)[0]
            if fit is not None:
                ends = [min(xs), max(xs)]
                fitted = [fit.intercept_s + fit.slope_s_per_row * x * 1e6 for x in ends]
                ax.plot(ends, fitted, "-", color=line.get_color(), alpha=0.6)
        ax.set_xlabel("rows of papers (millions)")
        ax.set_ylabel("wall seconds (median)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
