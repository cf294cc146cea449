"""The layout of the read models' tables (see `projections.schema`), apart so that
opening a store checks it without importing SQLAlchemy.

A program that finds another layout in a store asks for `pathways db upgrade`, which
rebuilds the read models in this one (they are derived: a change of their shape is a
rebuild, not a migration). Raise it with any change to the tables of a generation or
to what their columns hold (the packed facts, the situation).
"""

LAYOUT = 5
