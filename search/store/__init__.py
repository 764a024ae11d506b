"""Store: Django models and the importer that fills them."""
