//! Check-digit algorithms used by detectors to turn shape matches into confident findings.

pub mod entropy;
pub mod gb11643;
pub mod luhn;
