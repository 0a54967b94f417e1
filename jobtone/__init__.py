"""The `jobtone` command line: thin commands over `scraper` and `analysis`."""
