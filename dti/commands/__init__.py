"""The `dti` subcommands that live in their own module; dti/cli.py registers them."""
