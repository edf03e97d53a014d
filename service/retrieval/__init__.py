"""Retrieval for file_search: text extraction, chunking, embeddings, ingestion and search."""
