//! A chunk is a haystack of bytes with its provenance: where the bytes came from, so every
//! finding can point back at them. Sources produce chunks; the detector never opens files.

/// Where a chunk's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file in the working tree; `path` is relative to the scan root, with `/` separators.
    File { path: String },
}

impl Provenance {
    pub fn path(&self) -> &str {
        match self {
            Provenance::File { path } => path,
        }
    }
}

/// The bytes of one file (or blob) and where they came from.
#[derive(Debug)]
pub struct Chunk<'a> {
    pub provenance: Provenance,
    pub data: &'a [u8],
}
