"""Agreement metrics between an estimate x and a reference y (METHOD.md §9, pytesmo conventions).

bias = mean(x − y); RMSE = sqrt(mean((x − y)²)); ubRMSE = sqrt(mean(((x − x̄) − (y − ȳ))²)),
so RMSE² = bias² + ubRMSE²; Pearson R with the 95 % interval tanh(atanh r ± 1.96/√(n − 3)).
Units are those of the inputs (m³/m³ for soil moisture).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Dict, Tuple, Union

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def paired(x: ArrayLike, y: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """The pairs where both values are finite, as float64 arrays."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def bias(x: ArrayLike, y: ArrayLike) -> float:
    x, y = paired(x, y)
    return float(np.mean(x - y)) if x.size else float('nan')


def rmse(x: ArrayLike, y: ArrayLike) -> float:
    x, y = paired(x, y)
    return float(np.sqrt(np.mean((x - y) ** 2))) if x.size else float('nan')


def ubrmse(x: ArrayLike, y: ArrayLike) -> float:
    x, y = paired(x, y)
    return float(np.sqrt(np.mean(((x - x.mean()) - (y - y.mean())) ** 2))) if x.size else float('nan')


def pearson_r(x: ArrayLike, y: ArrayLike) -> Tuple[float, float, float]:
    """(r, lower, upper) with the Fisher-z 95 % interval (NaN bounds when n ≤ 3)."""
    x, y = paired(x, y)
    n = x.size
    if n < 2 or x.std() == 0 or y.std() == 0:
        return float('nan'), float('nan'), float('nan')
    r = float(np.corrcoef(x, y)[0, 1])
    if n <= 3 or abs(r) >= 1.0:
        return r, float('nan'), float('nan')
    z = math.atanh(r)
    half = 1.96 / math.sqrt(n - 3)
    return r, math.tanh(z - half), math.tanh(z + half)


def agreement(x: ArrayLike, y: ArrayLike) -> Dict[str, Union[int, float]]:
    """All metrics at once: n, bias, rmse, ubrmse, r, r_lower, r_upper."""
    px, py = paired(x, y)
    r, low, high = pearson_r(px, py)
    return {'n': int(px.size), 'bias': bias(px, py), 'rmse': rmse(px, py), 'ubrmse': ubrmse(px, py),
            'r': r, 'r_lower': low, 'r_upper': high}
