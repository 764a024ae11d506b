"""Finds passages shared between articles (wire copy, quotes, press releases); no Django here."""
