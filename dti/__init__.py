"""The `dti` command and the settings every layer shares."""
