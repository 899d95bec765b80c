//! keyhound finds API keys hardcoded in source or exposed to clients.
//!
//! The pipeline, each stage a module that owns one thing, imports pointing down only:
//! `cli -> app -> source -> detect -> filter -> verify -> report`, over the shared model `rules`,
//! `chunk` and `finding`.

pub mod app;
pub mod atomic;
pub mod baseline;
pub mod chunk;
pub mod cli;
pub mod config;
pub mod detect;
pub mod filter;
pub mod finding;
#[doc(hidden)]
pub mod fuzz;
pub mod report;
pub mod rules;
pub mod shard;
pub mod source;
pub mod verify;
