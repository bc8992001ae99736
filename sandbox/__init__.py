"""The sandbox marketplace: a local WB + Ozon look-alike for demos, tests and the benchmark. See README.md."""
