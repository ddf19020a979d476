"""osintrack: multilingual news reports about armed violence in, a coded incident dataset with evidence out."""

__version__ = "0.1.0"
