"""Django's PostgreSQL backend, for statements whose parameters the server binds."""
