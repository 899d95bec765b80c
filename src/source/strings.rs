//! The printable strings of a binary, as `strings` sees them: runs of at least [`MIN_RUN`]
//! printable ASCII characters (and tabs), then runs of as many UTF-16LE code units in the
//! printable ASCII range (`strings -el`), one run per line. Keys compiled into a `.dex`, a
//! `.so`, a `.wasm` data segment or a `.class` constant pool are such runs.
//!
//! A finding in a binary is at the line of its run in this text, the way `strings` numbers
//! its output; the binary has no lines of its own.

/// The shortest run kept (GNU `strings` keeps 4; keys are longer, and short runs in machine
/// code are noise).
pub const MIN_RUN: usize = 8;

fn printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) || b == b'\t'
}

/// The strings of `data`, one per line: the ASCII runs in order, then the UTF-16LE runs.
pub fn extract(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in data.iter().enumerate() {
        match (printable(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push_run(&mut out, &data[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push_run(&mut out, &data[s..]);
    }
    // UTF-16LE: a printable byte then a NUL, at either alignment.
    for align in 0..2 {
        let mut run: Vec<u8> = Vec::new();
        let mut pairs = data.get(align..).unwrap_or_default().chunks_exact(2);
        for p in pairs.by_ref() {
            if p[1] == 0 && printable(p[0]) {
                run.push(p[0]);
            } else {
                push_run(&mut out, &run);
                run.clear();
            }
        }
        push_run(&mut out, &run);
    }
    out
}

fn push_run(out: &mut Vec<u8>, run: &[u8]) {
    if run.len() >= MIN_RUN {
        out.extend_from_slice(run);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn runs_of_eight_or_more() {
        let mut data =
            b"\x00\x01short\x00a long enough run\x00\x7fsecond-run-here\x00\x00".to_vec();
        for u in "wide string!".encode_utf16() {
            data.extend_from_slice(&u.to_le_bytes());
        }
        data.push(0xff);
        let text = String::from_utf8(extract(&data)).unwrap();
        assert_eq!(text, "a long enough run\nsecond-run-here\nwide string!\n");
    }
}
