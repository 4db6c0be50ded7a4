"""Validation contracts: pandera schemas and Great Expectations suites, free of Dagster so they can be
tested alone. Filled by the validation work; nothing here is wired into the pipeline yet."""
