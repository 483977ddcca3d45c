"""Optional interoperability with other libraries (Axelrod, ...); imported lazily."""
