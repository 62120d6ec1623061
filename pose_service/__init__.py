"""Pose estimation: HRNet behind `fitness.v1.PoseEstimator`."""
