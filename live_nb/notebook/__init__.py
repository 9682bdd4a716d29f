"""The notebook layer: magics, the execution record and the session manager."""
