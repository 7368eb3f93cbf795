"""Turning values (diagnostics, plans, status) into text, JSON and Markdown for people and bots."""
