"""Shim for Beam's `--setup_file ./setup.py`: Dataflow builds an sdist from it; the real metadata is in pyproject.toml."""

from setuptools import setup

setup()
