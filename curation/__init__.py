"""curation: Common Crawl archives -> FineWeb-schema Parquet shards -> token arrays -> a small GPT."""

__version__ = "0.1.0"
