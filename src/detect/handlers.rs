//! Format handlers: code for the credentials a regex cannot find alone, because where a value
//! sits in a structure decides whether it is a secret. A rule names its handler
//! (`handler = "kubernetes-secret-data"`); the handler runs at the rule's keyword hits (and only
//! in the rule's `files`, when it has them) and yields the spans of candidate secrets. Each span
//! then passes the rule's `decode`, checks and placeholder filters like a regex match, so a
//! handler rule carries examples and negative examples like any other.

/// The handlers rules may name.
pub const HANDLERS: &[&str] = &[
    "kubernetes-secret-data",
    "kubernetes-secret-string-data",
    "kubernetes-configmap",
];

/// Which entry names of a section hold secrets.
type NameFilter = fn(&[u8]) -> bool;

/// Calls `emit(start, end)` for every candidate secret that handler `name` finds around the
/// keyword `hits` (sorted) in `hay`.
pub fn run(name: &str, hay: &[u8], hits: &[(usize, usize)], emit: &mut dyn FnMut(usize, usize)) {
    let (kind, section, names): (&[u8], &[u8], NameFilter) = match name {
        "kubernetes-secret-data" => (b"Secret", b"data", secret_entry),
        "kubernetes-secret-string-data" => (b"Secret", b"stringData", secret_entry),
        "kubernetes-configmap" => (b"ConfigMap", b"data", secret_named),
        _ => return,
    };
    let mut done = 0;
    for &(at, _) in hits {
        if at < done {
            continue;
        }
        let (start, end) = document(hay, at);
        done = end;
        let doc = &hay[start..end];
        if doc.trim_ascii_start().starts_with(b"{") || doc.trim_ascii_start().starts_with(b"[") {
            json_section(doc, kind, section, names, &mut |s, e| {
                emit(start + s, start + e)
            });
        } else {
            yaml_section(doc, kind, section, names, &mut |s, e| {
                emit(start + s, start + e)
            });
        }
    }
}

/// The bounds of the YAML document holding `at`: between `---` lines, or the whole file.
/// Searched outwards from `at`, so a file of many documents costs its length once per
/// document, not once per hit.
fn document(hay: &[u8], at: usize) -> (usize, usize) {
    // A `---` at a line start, followed by the line end, a space or the end of the text.
    let separator = |i: usize| {
        (i == 0 || hay[i - 1] == b'\n')
            && hay[i..].starts_with(b"---")
            && matches!(hay.get(i + 3), None | Some(b'\n' | b'\r' | b' ' | b'\t'))
    };
    let line_end = |i: usize| memchr::memchr(b'\n', &hay[i..]).map_or(hay.len(), |e| i + e + 1);
    let mut start = 0;
    let mut back = at.min(hay.len());
    while let Some(i) = memchr::memmem::rfind(&hay[..back], b"---") {
        if separator(i) {
            start = line_end(i);
            break;
        }
        back = i;
    }
    let mut from = at.min(hay.len());
    while let Some(i) = memchr::memmem::find(&hay[from..], b"---").map(|i| from + i) {
        if separator(i) && i > at {
            return (start, i);
        }
        from = i + 3;
    }
    (start, hay.len())
}

/// Lines of `doc` with their offsets, without line ends.
fn lines(doc: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    doc.split_inclusive(|&b| b == b'\n').map(move |l| {
        let at = pos;
        pos += l.len();
        let l = l.strip_suffix(b"\n").unwrap_or(l);
        (at, l.strip_suffix(b"\r").unwrap_or(l))
    })
}

fn indent(line: &[u8]) -> usize {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Strips one pair of matching quotes; returns the value's offset within `v` and its length.
fn unquote(v: &[u8]) -> (usize, usize) {
    match v {
        [q @ (b'"' | b'\''), inner @ .., last] if last == q => (1, inner.len()),
        _ => (0, v.len()),
    }
}

/// A value with its trailing comment removed (` # ...`), trimmed.
fn value_of(rest: &[u8]) -> (usize, &[u8]) {
    let lead = rest.len() - rest.trim_ascii_start().len();
    let mut v = &rest[lead..];
    if !matches!(v.first(), Some(b'"' | b'\'')) {
        if let Some(c) = v.windows(2).position(|w| w == b" #") {
            v = &v[..c];
        }
    }
    (lead, v.trim_ascii_end())
}

/// In a YAML document whose top-level `kind` is `kind`, the entries of the top-level mapping
/// `section` whose names pass `names`: one span per single-line scalar value.
fn yaml_section(
    doc: &[u8],
    kind: &[u8],
    section: &[u8],
    names: NameFilter,
    emit: &mut dyn FnMut(usize, usize),
) {
    let is_kind = lines(doc).any(|(_, l)| {
        l.strip_prefix(b"kind:").is_some_and(|v| {
            let (_, v) = value_of(v);
            let (o, n) = unquote(v);
            &v[o..o + n] == kind
        })
    });
    if !is_kind {
        return;
    }
    let mut inside = false;
    let mut entry_indent = None;
    for (at, line) in lines(doc) {
        let body = line.trim_ascii_start();
        if body.is_empty() || body.starts_with(b"#") || body.starts_with(b"{{") {
            continue;
        }
        let ind = indent(line);
        if ind == 0 {
            inside = line.strip_prefix(section).is_some_and(|r| {
                r.strip_prefix(b":")
                    .is_some_and(|r| value_of(r).1.is_empty())
            });
            entry_indent = None;
            continue;
        }
        if !inside {
            continue;
        }
        let want = *entry_indent.get_or_insert(ind);
        if ind != want {
            continue;
        }
        let Some(colon) = body.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name_at, name_len) = unquote(&body[..colon]);
        if !names(&body[name_at..name_at + name_len]) {
            continue;
        }
        let rest = &body[colon + 1..];
        let (lead, v) = value_of(rest);
        if v.is_empty() || matches!(v[0], b'|' | b'>' | b'&' | b'*' | b'!') {
            continue;
        }
        let (o, n) = unquote(v);
        let start = at + ind + colon + 1 + lead + o;
        emit(start, start + n);
    }
}

/// The JSON form: `"kind": "<kind>"` and `"<section>": { "name": "value", ... }`.
fn json_section(
    doc: &[u8],
    kind: &[u8],
    section: &[u8],
    names: NameFilter,
    emit: &mut dyn FnMut(usize, usize),
) {
    let strings = json_strings(doc);
    let is_kind = strings
        .windows(2)
        .any(|w| &doc[w[0].0..w[0].1] == b"kind" && w[0].2 && &doc[w[1].0..w[1].1] == kind);
    if !is_kind {
        return;
    }
    let mut i = 0;
    while i < strings.len() {
        let (s, e, is_key) = strings[i];
        i += 1;
        if !(is_key && &doc[s..e] == section) {
            continue;
        }
        // The object after the key: pairs of key and string value until its `}`.
        let Some(open) = doc[e..]
            .iter()
            .position(|&b| !matches!(b, b'"' | b':' | b' ' | b'\t' | b'\r' | b'\n'))
        else {
            return;
        };
        if doc[e + open] != b'{' {
            continue;
        }
        let close = doc[e + open..]
            .iter()
            .position(|&b| b == b'}')
            .map_or(doc.len(), |c| e + open + c);
        while i + 1 < strings.len() && strings[i + 1].1 <= close {
            let (ks, ke, k_is_key) = strings[i];
            let (vs, ve, v_is_key) = strings[i + 1];
            if k_is_key && !v_is_key {
                if names(&doc[ks..ke]) {
                    emit(vs, ve);
                }
                i += 2;
            } else {
                i += 1;
            }
        }
    }
}

/// The string literals of a JSON text: (start, end) of their contents, and whether a `:`
/// follows (a key).
fn json_strings(doc: &[u8]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < doc.len() {
        if doc[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < doc.len() && doc[j] != b'"' {
            j += if doc[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(doc.len());
        let after = doc[(end + 1).min(doc.len())..]
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        out.push((start, end, after == Some(&b':')));
        i = end + 1;
    }
    out
}

/// Entry names of a Secret that hold context, not the secret: who, where and what.
const CONTEXT_NAMES: &[&str] = &[
    "user",
    "username",
    "user_name",
    "user-name",
    "login",
    "email",
    "host",
    "hostname",
    "server",
    "port",
    "database",
    "db",
    "dbname",
    "db_name",
    "name",
    "namespace",
    "region",
    "endpoint",
    "url",
    "uri",
    "ca.crt",
    "tls.crt",
    "ca-bundle.crt",
    "service-ca.crt",
    "type",
    "account",
    "project",
    "project_id",
    "client_id",
    "client-id",
    "clientid",
    "app_id",
    "tenant",
    "tenant_id",
    "bucket",
    "schema",
    "cluster",
    "version",
];

/// A Secret's entries are secrets by declaration, except those naming who and where.
fn secret_entry(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    !CONTEXT_NAMES.iter().any(|c| c.as_bytes() == lower)
        && ![
            &b"_user"[..],
            b"-user",
            b"username",
            b"_host",
            b"-host",
            b"_port",
            b"-port",
            b"_url",
            b"-url",
            b"_uri",
            b"_endpoint",
            b".crt",
            b"_email",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
}

/// A ConfigMap entry whose name says it holds a secret.
fn secret_named(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        &b"password"[..],
        b"passwd",
        b"secret",
        b"token",
        b"apikey",
        b"api_key",
        b"api-key",
        b"access_key",
        b"private_key",
        b"pwd",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&lower, w).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, text: &str) -> Vec<String> {
        let hay = text.as_bytes();
        let hits: Vec<(usize, usize)> = text
            .match_indices("kind")
            .map(|(i, _)| (i, i + 4))
            .collect();
        let mut out = Vec::new();
        run(name, hay, &hits, &mut |s, e| {
            out.push(text[s..e].to_string())
        });
        out
    }

    #[test]
    fn yaml_secret_data_values_in_their_document_only() {
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: bm90LWluLWEtc2VjcmV0\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  labels:\n    password: x\ntype: Opaque\ndata:\n  username: YXBw # the user\n  password: \"UW03dlQyeGtQOXdMcjRacw==\"\n  config.yaml: |\n    a: b\n  api-token: VHo4THEyWGs3bVdwNFJ2OQ==\nstringData:\n  extra: plain\n";
        assert_eq!(
            found("kubernetes-secret-data", text),
            ["UW03dlQyeGtQOXdMcjRacw==", "VHo4THEyWGs3bVdwNFJ2OQ=="]
        );
        assert_eq!(found("kubernetes-secret-string-data", text), ["plain"]);
        assert_eq!(
            found("kubernetes-configmap", text),
            ["bm90LWluLWEtc2VjcmV0"]
        );
    }

    #[test]
    fn documents_are_found_outwards_from_a_hit() {
        let text = b"a: 1\n---\nkind: Secret\n--- # c\nb: 2\n---";
        let at = 10;
        let (s, e) = document(text, at);
        assert_eq!(&text[s..e], b"kind: Secret\n");
        assert_eq!(document(b"kind: Secret\n", 0), (0, 13));
        // `---` inside a line is no separator.
        let (s, e) = document(b"x: a---b\nkind: Secret\n", 10);
        assert_eq!((s, e), (0, 22));
    }

    #[test]
    fn json_secret_data() {
        let text = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {"username": "YXBw", "password": "UW03dlQyeGtQOXdMcjRacw=="}}"#;
        assert_eq!(
            found("kubernetes-secret-data", text),
            ["UW03dlQyeGtQOXdMcjRacw=="]
        );
        let cm = text.replace("\"Secret\"", "\"ConfigMap\"");
        assert!(found("kubernetes-secret-data", &cm).is_empty());
    }
}
