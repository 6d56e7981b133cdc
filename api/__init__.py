"""The Litestar REST gateway."""
