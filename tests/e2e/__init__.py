"""End-to-end tests: JupyterLab in a real browser, looked at as a person would."""
