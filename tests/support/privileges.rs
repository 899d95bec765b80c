//! Shared by the integration test binaries (included with `#[path]`): whether the tests run as
//! root, where file permissions do not stop reads and tests drop privileges with `setpriv`.

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}
