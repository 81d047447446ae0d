"""From executed notebooks to a published folder: execute, render, publish atomically, manifest and verify, audit."""
