//! Grids of configurations (being written).
