//! The sequences several commands share: loading definitions and environments, connecting
//! to the engine (and again when it went away), deciding and checking images, finding an
//! environment's instances, picking what the user did not name.

pub mod backoff;
pub mod delivery;
pub mod engine;
pub mod engines;
pub mod images;
pub mod interrupts;
pub mod load;
pub mod log_end;
pub mod needed_images;
pub mod on_engine;
pub mod pick;
pub mod reconnect;
pub mod secrets;
pub mod who;
