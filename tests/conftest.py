"""Shared test fixtures. Its presence also puts tests/ on sys.path (pytest's rootdir conftest), so the tests import
helpers.py and make_uniformer_reference.py by name."""
