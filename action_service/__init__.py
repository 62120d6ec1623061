"""Exercise recognition: a 3D ResNet behind `fitness.v1.ActionRecognizer`."""
