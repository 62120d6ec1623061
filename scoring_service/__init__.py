"""Keypoint scoring: per-exercise DBSCAN centroids in FAISS behind `fitness.v1.KeypointScorer`."""
