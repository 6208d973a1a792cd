"""The speed layer: a store of earlier results and worker processes, wrapped around the pipeline."""
