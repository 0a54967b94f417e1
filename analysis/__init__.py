"""Measuring language in stored postings: lexicons, matching, trends, charts and reports."""
