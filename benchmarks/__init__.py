"""Speed and quality measurements, run by hand from the repository root as modules, e.g.
`python -m benchmarks.generation_speed`. Results and the machines they ran on: benchmarks/README.md.
"""
