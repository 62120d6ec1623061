"""Tests of the deployment files: images, compose and Kubernetes, checked offline."""
