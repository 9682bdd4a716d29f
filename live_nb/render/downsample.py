"""Min/max downsampling: a series of any length drawn with a bounded number of points.

The points are cut into buckets of consecutive points; each bucket keeps its
first minimum and its first maximum (so spikes and dips stay visible), and the
last point of the series is always kept. Bucket sizes are 1, then powers of
two, so a growing series changes bucket size rarely. This is the rule of
``js/src/dashboard/downsample.js``; ``tests/test_downsample_parity.py`` feeds
both the same series.
"""

from __future__ import annotations

import math
from typing import Any

from live_nb.render.theme import DISPLAY_MAX_POINTS


def bucket_size_for(n: int, max_points: int = DISPLAY_MAX_POINTS) -> int:
    """The bucket size used for ``n`` points: 1 when they fit, else the smallest power of two."""
    if n <= max_points:
        return 1
    bucket = 2
    while 2 * math.ceil(n / bucket) + 1 > max_points:
        bucket *= 2
    return bucket


def downsample_indices(values: list[float], max_points: int = DISPLAY_MAX_POINTS) -> list[int]:
    """Indices kept to draw ``values`` with at most ``max_points`` points.

    All of them when they fit; else, per bucket of consecutive points, the
    minimum and the maximum, and always the last point.
    """
    n = len(values)
    bucket = bucket_size_for(n, max_points)
    if bucket == 1:
        return list(range(n))
    kept: list[int] = []
    for start in range(0, n, bucket):
        end = min(n, start + bucket)
        chunk = values[start:end]
        low = start + chunk.index(min(chunk))
        high = start + chunk.index(max(chunk))
        pair = sorted({low, high})
        kept.extend(pair)
        if end == n and pair[-1] != n - 1:
            kept.append(n - 1)
    return kept


def downsample(
    steps: list[float], values: list[float], max_points: int = DISPLAY_MAX_POINTS
) -> tuple[list[float], list[float]]:
    """``steps`` and ``values`` downsampled together."""
    kept = downsample_indices(values, max_points)
    return [steps[i] for i in kept], [values[i] for i in kept]


class StreamingPoints:
    """A metric's points, downsampled as they arrive, as ``downsample_indices`` keeps them.

    Per bucket of ``size`` consecutive points (1, then powers of two as the
    series grows) it keeps the first minimum and the first maximum; two
    neighbouring buckets merge exactly when the size doubles. Memory stays
    within ``max_points``, and a point costs a few comparisons once.
    """

    def __init__(self, max_points: int = DISPLAY_MAX_POINTS) -> None:
        self.max_points = max_points
        self.size = 1
        self.count = 0
        # per bucket: index, step and value of its minimum, then of its maximum
        self.buckets: list[list[Any]] = []
        self._last: tuple[float, float] = (0, 0.0)
        self._limit = max_points  # the count above which the bucket size doubles

    def extend(self, steps: list[float], values: list[float]) -> None:
        """Take in the next points of the series."""
        if not values:
            return
        size, buckets, limit = self.size, self.buckets, self._limit
        index = self.count
        for x, y in zip(steps, values):
            if index % size == 0:
                buckets.append([index, x, y, index, x, y])
            else:
                bucket = buckets[-1]
                if y < bucket[2]:
                    bucket[0], bucket[1], bucket[2] = index, x, y
                if y > bucket[5]:
                    bucket[3], bucket[4], bucket[5] = index, x, y
            index += 1
            if index > limit:
                while index > limit:
                    self._double()
                    limit = self._limit
                size, buckets = self.size, self.buckets
        self.count = index
        self._last = (steps[-1], values[-1])

    def _double(self) -> None:
        merged: list[list[Any]] = []
        buckets = self.buckets
        for start in range(0, len(buckets), 2):
            left = buckets[start]
            if start + 1 == len(buckets):
                merged.append(left)
                continue
            right = buckets[start + 1]
            low = left[:3] if left[2] <= right[2] else right[:3]
            high = left[3:] if left[5] >= right[5] else right[3:]
            merged.append(low + high)
        self.buckets = merged
        self.size *= 2
        # downsample_indices: 2 * ceil(n / size) + 1 points must fit in max_points
        self._limit = (self.max_points - 1) // 2 * self.size

    def indices(self) -> list[int]:
        """The indices kept, as ``downsample_indices`` gives them for the whole series."""
        kept: list[int] = []
        for low, _, _, high, _, _ in self.buckets:
            kept.extend((low,) if low == high else sorted((low, high)))
        if kept and kept[-1] != self.count - 1:
            kept.append(self.count - 1)
        return kept

    def points(self) -> tuple[list[float], list[float]]:
        """The steps and values kept."""
        steps: list[float] = []
        values: list[float] = []
        for low, x_low, y_low, high, x_high, y_high in self.buckets:
            if low == high:
                steps.append(x_low)
                values.append(y_low)
            elif low < high:
                steps += (x_low, x_high)
                values += (y_low, y_high)
            else:
                steps += (x_high, x_low)
                values += (y_high, y_low)
        if self.count and self.size > 1:
            last_bucket = self.buckets[-1]
            if max(last_bucket[0], last_bucket[3]) != self.count - 1:
                steps.append(self._last[0])
                values.append(self._last[1])
        return steps, values
