"""Deterministic demo data of a Licheng-style district (source_system ``licheng``).

``pipelines.demo.generate.generate(out_dir, seed)`` writes 23 raw exports under ``out_dir/demo/``
(see ``spec.FILES``; vocabulary in docs/demo-data.md), each described by a contract ``pipelines/contracts/demo_*.yaml``. CLI:
``python -m pipelines.demo.generate --out DIR [--seed 20261129]``. The package does not import
``generate`` eagerly so that ``python -m pipelines.demo.generate`` runs it exactly once.
"""
