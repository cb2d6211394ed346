"""Test helpers: FakeBizstim, a local fake of the Bizstim API with seeded data and fault injection."""

__all__: list[str] = []
