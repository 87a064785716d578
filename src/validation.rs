//! Validation against queueing theory (being written).
