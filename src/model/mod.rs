//! The domain: conversation states, the transitions seed 002 allows, behaviour distributions.
//! Pure: no clock, no I/O.

pub mod dist;
pub mod state;
pub mod ziggurat;
