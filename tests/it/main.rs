//! The integration tests: one binary that runs the real `keyhound` executable on fixture trees
//! (copied or generated into temp dirs) and checks what users see.

mod deepseek;
mod exposure;
mod fuzzed;
mod generic;
mod outputs;
mod properties;
mod rules;
mod rust;
mod suppress;
mod util;
mod walk;
