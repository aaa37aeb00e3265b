//! The screens and their parts. They read the journey's signals and call its steps; what they
//! show is decided by the plain modules next to them.

pub mod compose;
pub mod failure;
pub mod message;
pub mod notice;
pub mod pick;
pub mod privacy;
pub mod progress;
pub mod prove;
pub mod shell;
