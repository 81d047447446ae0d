"""Hostile and broken inputs: a small committee to attack, the payloads, and the corpus of refused inputs."""
