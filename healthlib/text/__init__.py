"""Editors' Markdown made safe HTML, glossary words explained, readability measured."""
