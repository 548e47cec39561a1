"""Mean and spread over seeds, and whether the gap between two arms is larger than the seed noise.

Seeds are paired: seed s gives every arm the same initial weights (one tokenizer,
one model shape), so the per-seed difference between two arms cancels the share
of the noise that comes from initialisation. The test is a two-sided paired
t-test over the seeds (dof = seeds - 1), with Student's t distribution computed
exactly for whole dof (Abramowitz & Stegun 26.7.3-4), so no SciPy is needed; a gap
counts as larger than the seed noise when p < 0.05. With 3 seeds that takes
|t| > 4.30: only a gap several times the spread of the per-seed differences.
"""

from __future__ import annotations

import math
import statistics

ALPHA = 0.05


def summary(values: list[float]) -> dict:
    """Mean, sample standard deviation (None for one value), min and max."""
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else None,
            "min": min(values), "max": max(values), "n": len(values)}


def t_two_sided_p(t: float, dof: int) -> float:
    """P(|T| >= |t|) for Student's t with `dof` (a whole number >= 1) degrees of freedom."""
    theta = math.atan(abs(t) / math.sqrt(dof))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if dof % 2:  # A = 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...)), dof - 1 terms of cos
        term = total = math.cos(theta) if dof > 1 else 0.0
        for k in range(1, (dof - 1) // 2):
            term *= 2 * k / (2 * k + 1) * c2
            total += term
        inside = 2 / math.pi * (theta + s * total)
    else:  # A = sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term = total = 1.0
        for k in range(1, dof // 2):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        inside = s * total
    return min(1.0, max(0.0, 1.0 - inside))


def paired_test(a: list[float], b: list[float]) -> dict:
    """b - a per seed: mean difference, its spread, t, dof, p, and whether p < ALPHA (None with fewer than 2 seeds)."""
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    mean = statistics.fmean(diffs)
    if len(diffs) < 2:
        return {"mean_difference": mean, "std_difference": None, "t": None, "dof": 0, "p": None, "significant": None}
    sd = statistics.stdev(diffs)
    if sd > 0:
        t = mean / (sd / math.sqrt(len(diffs)))
        p = t_two_sided_p(t, len(diffs) - 1)
    else:  # the same difference at every seed: no noise at all
        t, p = None, 0.0 if mean else 1.0
    return {"mean_difference": mean, "std_difference": sd, "t": t, "dof": len(diffs) - 1, "p": p,
            "significant": p < ALPHA}
