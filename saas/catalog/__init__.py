from saas.catalog import fulltext  # noqa: F401  (registers the search index's flush and create_all listeners)
