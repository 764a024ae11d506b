"""Ingest: plain functions from an input record to a clean article (no Django needed).

read (readers, decode) -> clean (clean, boilerplate) -> extract metadata (dates, html, fields)
-> pipeline.clean_record() joins them.
"""
