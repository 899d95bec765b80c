//! The integration tests: one binary that runs the real `keyhound` executable on fixture trees
//! (copied or generated into temp dirs) and checks what users see.

mod action;
mod artifacts;
mod credentials;
mod deepseek;
mod everyday;
mod exposure;
mod files;
mod fuzzed;
mod generic;
mod git;
mod html;
mod install;
mod outputs;
mod paired;
mod precommit;
#[path = "../support/privileges.rs"]
mod privileges;
mod properties;
mod published;
mod rules;
mod rust;
mod scale;
mod suppress;
mod util;
mod verifiers;
mod verify;
mod verify_access;
mod verify_access_more;
mod verify_safety;
mod walk;
