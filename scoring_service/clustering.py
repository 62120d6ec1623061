"""DBSCAN per (exercise, joint) and the centroids of its clusters (the paper's step 3).

The paper does not say how it chose DBSCAN's parameters; the rule here is the usual one from
Ester et al. (1996) and Schubert et al. (2017):

- `min_samples` = max(4, n / 500): 2 x the dimensions (2-D points give 4) on small data, grown
  with the data so that a few stray detections cannot form a cluster of their own.
- `eps` = the knee of the sorted k-distance curve (k = `min_samples`): the distance at which
  the curve bends from dense points (inside the movement) to sparse ones (noise). The knee is
  the point of the curve farthest from the chord joining its ends (Kneedle's rule).

Each cluster's centroid is the mean of its points; noise points belong to no cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.neighbors import NearestNeighbors

_MAX_CURVE_POINTS = 20_000  # the k-distance curve is drawn from a sample this big


@dataclass(frozen=True)
class Clusters:
    """The clusters of one joint's points.

    Attributes:
        centroids: (C, 2) the mean of each cluster's points.
        sizes: (C,) points per cluster.
        eps: DBSCAN's neighbourhood radius, chosen by the knee rule.
        min_samples: DBSCAN's core-point count.
        noise_fraction: Share of the points in no cluster.
    """

    centroids: np.ndarray
    sizes: np.ndarray
    eps: float
    min_samples: int
    noise_fraction: float


def min_samples_for(count: int) -> int:
    """DBSCAN's `min_samples` for `count` 2-D points."""
    return max(4, count // 500)


def knee_eps(points: np.ndarray, min_samples: int, seed: int = 0) -> float:
    """The knee of the sorted distances from each point to its k-th nearest neighbour."""
    rng = np.random.default_rng(seed)
    sample = points
    if len(points) > _MAX_CURVE_POINTS:
        sample = points[rng.choice(len(points), _MAX_CURVE_POINTS, replace=False)]
    k = min(min_samples, len(sample) - 1)
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(sample).kneighbors(sample)
    curve = np.sort(distances[:, k])
    if curve[-1] <= curve[0]:
        return float(max(curve[-1], 1e-6))
    # Farthest point below the chord, both axes scaled to [0, 1].
    x = np.linspace(0.0, 1.0, len(curve))
    y = (curve - curve[0]) / (curve[-1] - curve[0])
    return float(max(curve[int(np.argmax(x - y))], 1e-6))


def cluster_joint(points: np.ndarray) -> Clusters:
    """DBSCAN over one joint's normalised points (N, 2), N >= 2.

    When every point is noise (too few or too scattered), their mean is the one centroid, so
    that the joint can still be scored.
    """
    if len(points) < 2:
        raise ValueError(f"{len(points)} points: a joint needs at least 2 to cluster")
    min_samples = min(min_samples_for(len(points)), len(points))
    eps = knee_eps(points, min_samples)
    labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(points)
    found = sorted(set(labels) - {-1})
    if not found:
        centroid = points.mean(axis=0, keepdims=True)
        return Clusters(centroid, np.array([len(points)]), eps, min_samples, 1.0)
    centroids = np.stack([points[labels == label].mean(axis=0) for label in found])
    sizes = np.array([(labels == label).sum() for label in found])
    return Clusters(centroids, sizes, eps, min_samples, float((labels == -1).mean()))
