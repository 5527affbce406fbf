"""Noise-aware application of the coarse-scale model at the fine scale.

A model calibrated on coarse cells sees predictors whose pixel noise has averaged
out; applied to single fine pixels it turns that noise (MODIS LST: ~0.5–1 K of
sensor and retrieval noise, uncorrelated between pixels) into soil moisture noise.
The white-noise variance (nugget) of a predictor is estimated from its
semivariogram at lags of 1 and 2 pixels, γ(0⁺) ≈ 2γ(1) − γ(2) (conservative for a
smooth signal), and compared with the variance of the predictor within coarse cells.
The fine anomaly around the smooth coarse background is then weighted by the signal
fraction λ = 1 − nugget / within-cell variance (a Wiener-type shrinkage).
"""
from __future__ import annotations

from typing import Tuple

import numpy as np


class NuggetEstimate:
    """Accumulates, block by block, what λ needs for one predictor (2-D blocks, NaN = skip)."""

    def __init__(self, n_cells: int):
        self.lag_sums = np.zeros(2)      # Σ squared differences at lags 1 and 2
        self.lag_counts = np.zeros(2)
        self.cell_sum = np.zeros(n_cells)
        self.cell_sq = np.zeros(n_cells)
        self.cell_n = np.zeros(n_cells)

    def add(self, values: np.ndarray, zone: np.ndarray) -> None:
        """values, zone: (rows, cols) arrays of one block (zone −1 or NaN values are skipped)."""
        values = np.asarray(values, dtype=np.float64)
        # Along rows only: blocks are full-width strips, so no lag is ever cut by a block edge
        # and the estimate does not depend on the memory budget.
        for lag in (1, 2):
            diff = values[:, lag:] - values[:, :-lag]
            diff = diff[np.isfinite(diff)]
            self.lag_sums[lag - 1] += float((diff * diff).sum())
            self.lag_counts[lag - 1] += diff.size
        n_cells = self.cell_sum.size
        # Skipped pixels go to an extra bin that is dropped.
        bins = np.where(np.isfinite(values) & (zone >= 0), zone, n_cells).ravel()
        v = values.ravel()
        self.cell_sum += np.bincount(bins, weights=v, minlength=n_cells + 1)[:n_cells]
        self.cell_sq += np.bincount(bins, weights=v * v, minlength=n_cells + 1)[:n_cells]
        self.cell_n += np.bincount(bins, minlength=n_cells + 1)[:n_cells]

    def merge(self, other: NuggetEstimate) -> None:
        """Add the sums of another estimate (e.g. of another block)."""
        for name in ('lag_sums', 'lag_counts', 'cell_sum', 'cell_sq', 'cell_n'):
            getattr(self, name).__iadd__(getattr(other, name))

    def result(self) -> Tuple[float, float, float]:
        """(nugget, mean within-cell variance, signal fraction λ in [0, 1])."""
        if self.lag_counts.min() == 0 or self.cell_n.sum() < 2:
            return 0.0, 0.0, 1.0
        gamma1, gamma2 = 0.5 * self.lag_sums / self.lag_counts
        nugget = max(0.0, 2.0 * gamma1 - gamma2)
        used = self.cell_n > 1
        mean = self.cell_sum[used] / self.cell_n[used]
        within = (self.cell_sq[used] - self.cell_n[used] * mean ** 2).sum() / (self.cell_n[used] - 1).sum()
        if within <= 0:
            return nugget, 0.0, 1.0
        return nugget, float(within), float(np.clip(1.0 - nugget / within, 0.0, 1.0))
