"""pytest plugin (entry point ``aiobizstim``): fixtures ``fake_bizstim`` and ``bizstim_client``."""
