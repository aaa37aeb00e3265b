//! The waxseal mail gateway: it sits in an organisation's mail flow and seals what its rules say
//! must be sealed, passing the rest untouched.
//!
//! - [`config`]: the gateway's TOML configuration (the organisation, its internal domains, the
//!   rules, the domains always or never sealed);
//! - [`rules`]: what happens to a message, recipient by recipient, and why;
//! - [`inbound`]: secure replies arriving as relay mail: the key server's attestation of their
//!   sender checked, and what to deliver; [`reply_keys`]: the organisation's reply key files;
//! - [`smtp`]: the SMTP service (`waxseal-gateway serve`), and [`flow`]: what it does with each
//!   message it accepts, handing it on through [`next_hop`]; [`outbound`]: sealing a message for its external recipients (the key
//!   server registration, `message.html` and the notification mail);
//! - [`command`]: the commands, run as `waxseal-gateway …` or `waxseal gateway …`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod command;
pub mod config;
pub mod flow;
pub mod inbound;
pub mod next_hop;
pub mod outbound;
pub mod reply_keys;
pub mod rules;
pub mod smtp;
