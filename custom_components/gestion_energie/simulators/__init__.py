"""Simulators of a meter, plugs and a house, shared by tests, benchmarks and scripts/develop."""
