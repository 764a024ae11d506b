"""Web: views, URLs (and later admin and export)."""
