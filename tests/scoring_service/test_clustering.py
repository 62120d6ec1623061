"""DBSCAN per joint: the knee rule's eps, centroids of the movement's dense places."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from scoring_service.clustering import cluster_joint, knee_eps, min_samples_for

CENTRES = np.array([[0.0, 0.0], [1.5, 0.5]])


def blobs_and_noise(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two tight blobs of 150 points (spread 0.03) and 12 scattered points; (points, noise)."""
    rng = np.random.default_rng(seed)
    blobs = [rng.normal(centre, 0.03, (150, 2)) for centre in CENTRES]
    noise = rng.uniform(-2.5, 2.5, (12, 2))
    noise = noise[np.linalg.norm(noise[:, None] - CENTRES[None], axis=2).min(axis=1) > 0.5]
    return np.concatenate([*blobs, noise]), noise


def test_two_blobs_among_sparse_noise_give_two_centroids_at_the_blob_centres():
    points, noise = blobs_and_noise()
    clusters = cluster_joint(points)
    assert len(clusters.centroids) == 2
    found = clusters.centroids[np.argsort(clusters.centroids[:, 0])]
    np.testing.assert_allclose(found, CENTRES, atol=0.02)
    assert (clusters.sizes >= 145).all()
    # The scattered points are the noise (give or take a blob point in a tail).
    assert clusters.noise_fraction == pytest.approx(len(noise) / len(points), abs=0.01)


def test_the_knee_eps_lies_between_the_spacing_inside_a_blob_and_the_gap_between_blobs():
    points, _ = blobs_and_noise()
    k = min_samples_for(len(points))
    blob = points[:150]
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(blob).kneighbors(blob)
    spacing = np.median(distances[:, k])
    gap = np.linalg.norm(CENTRES[1] - CENTRES[0])
    eps = knee_eps(points, k)
    assert spacing <= eps < gap / 4


def test_min_samples_is_4_on_small_data_and_grows_with_the_data():
    assert min_samples_for(10) == min_samples_for(1999) == 4
    assert min_samples_for(10_000) == 20


def test_points_too_few_to_form_a_cluster_still_give_one_centroid_their_mean():
    points = np.array([[0.0, 0.0], [2.0, 0.1], [0.3, 1.7]])
    clusters = cluster_joint(points)
    np.testing.assert_allclose(clusters.centroids, points.mean(axis=0, keepdims=True))
    assert clusters.sizes.tolist() == [3]


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_points_cannot_be_clustered(count):
    with pytest.raises(ValueError, match="at least 2"):
        cluster_joint(np.zeros((count, 2)))
