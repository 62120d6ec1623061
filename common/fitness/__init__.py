"""Generated gRPC stubs of the fitness protos."""
