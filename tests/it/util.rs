//! Shared helpers: running the binary, parsing its JSON, building temp trees, and a loopback
//! HTTP server that plays a provider for the verification tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub fn keyhound() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyhound"));
    cmd.env_remove("CI");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Runs `keyhound scan ARGS` and returns the output, checking the exit code is one of ours.
pub fn scan(args: &[&str]) -> Output {
    let out = keyhound()
        .arg("scan")
        .args(args)
        .output()
        .expect("the keyhound binary runs");
    let code = out.status.code().expect("keyhound exits normally");
    assert!(
        code <= 2,
        "unexpected exit code {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `keyhound scan --format json ARGS`, parsed, with paths under the scan root written
/// relative to it (see [`relative_to_root`]).
pub fn scan_json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = scan(&all);
    let mut report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    relative_to_root(&mut report, args);
    report
}

/// Reports give paths as the root was typed joined with the rest (`/tmp/x/a.env` for the
/// root `/tmp/x`). Most tests pass one absolute temp folder as the root and compare paths
/// inside it: this strips that root from `path` in findings and warnings, so they read
/// `a.env`. Tests of the path convention itself (tests/it/everyday.rs) read the raw output.
pub fn relative_to_root(report: &mut Value, args: &[&str]) {
    let roots: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| a.starts_with('/') && Path::new(a).is_dir())
        .collect();
    let [root] = roots[..] else { return };
    let prefix = format!("{}/", root.trim_end_matches('/'));
    for list in ["findings", "warnings"] {
        if let Some(items) = report[list].as_array_mut() {
            for item in items {
                if let Some(rel) = item["path"].as_str().and_then(|p| p.strip_prefix(&prefix)) {
                    item["path"] = Value::String(rel.to_string());
                }
            }
        }
    }
}

pub fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings is an array")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temp dir holding `files` (path, contents).
pub fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (path, data) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&p, data).expect("write fixture");
    }
    dir
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A small custom rule file, for tests of `--rules` and `.keyhound.toml` rules.
pub const ACME_RULE: &str = r#"
[[rule]]
id = "acme.token"
provider = "Acme"
name = "Acme token"
description = "An Acme API token."
keywords = ["acme_"]
pattern = 'acme_[a-z0-9]{20}'
confidence = "high"
references = ["https://acme.example/docs"]
remediation = "Revoke it at https://acme.example/keys."
examples = ['TOKEN=acme_a8f3k2m9x7q4w1e6r5t0']
negative_examples = ['acme_xxxxxxxxxxxxxxxxxxxx']
"#;

/// What a request looked like.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Header names in lowercase.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Hit {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user and password of an `Authorization: Basic` header.
    pub(crate) fn basic(&self) -> Option<(String, String)> {
        use base64::Engine as _;
        let encoded = self.header("authorization")?.strip_prefix("Basic ")?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        let (user, password) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }

    /// The key of an `Authorization: Bearer` header.
    pub(crate) fn bearer(&self) -> &str {
        self.header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
    }
}

pub(crate) enum Reply {
    /// Status, extra headers, body.
    Send(u16, Vec<(&'static str, String)>, String),
    /// Accept, read the request, never answer (until the client goes away).
    Hang,
    /// A 200 announcing `n` bytes of a JSON document (`{"data":"aaa…`), streamed until the
    /// client stops reading.
    Huge(u64),
    /// Status, headers and body made at run time (the verifier harness's recorded answers).
    Owned(u16, Vec<(String, String)>, Vec<u8>),
}

type Handler = dyn Fn(&Hit) -> Reply + Send + Sync;

/// A tiny HTTP/1.1 server on a loopback port, one thread per connection.
pub(crate) struct Server {
    pub(crate) port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Body bytes the server managed to write.
    pub(crate) sent: Arc<AtomicU64>,
}

impl Server {
    pub(crate) fn start(handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (h, s) = (hits.clone(), sent.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (hits, sent, handler) = (h.clone(), s.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &hits, &sent, &*handler));
            }
        });
        Server { port, hits, sent }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// The requests `keep` selects (cheaper than [`Server::hits`] on a busy server).
    pub(crate) fn hits_where(&self, keep: impl Fn(&Hit) -> bool) -> Vec<Hit> {
        let hits = self.hits.lock().unwrap();
        hits.iter().filter(|h| keep(h)).cloned().collect()
    }
}

/// Writes one whole answer: status, `extra` headers, the body.
fn answer<K: std::fmt::Display>(
    out: &mut impl Write,
    status: u16,
    extra: &[(K, String)],
    body: &[u8],
) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
}

fn serve(stream: TcpStream, hits: &Mutex<Vec<Hit>>, sent: &AtomicU64, handler: &Handler) {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let hit = Hit {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    hits.lock().unwrap().push(hit.clone());
    let mut out = stream;
    match handler(&hit) {
        Reply::Send(status, extra, body) => answer(&mut out, status, &extra, body.as_bytes()),
        Reply::Owned(status, extra, body) => answer(&mut out, status, &extra, &body),
        Reply::Hang => {
            // Hold the connection until the client gives up and closes it.
            let mut sink = [0u8; 64];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        }
        Reply::Huge(n) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n");
            let _ = out.write_all(head.as_bytes());
            let start = br#"{"data":""#;
            let _ = out.write_all(start);
            let chunk = vec![b'a'; 64 * 1024];
            let mut left = n.saturating_sub(start.len() as u64);
            while left > 0 {
                let take = left.min(chunk.len() as u64) as usize;
                if out.write_all(&chunk[..take]).is_err() {
                    break;
                }
                sent.fetch_add(take as u64, Ordering::Relaxed);
                left -= take as u64;
            }
        }
    }
}

pub(crate) fn json(status: u16, body: &str) -> Reply {
    Reply::Send(
        status,
        vec![("Content-Type", "application/json".into())],
        body.into(),
    )
}

/// Every proxy variable the HTTP client reads.
pub(crate) const PROXY_VARS: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// Points every proxy variable the HTTP client reads at `proxy`, and clears NO_PROXY.
pub(crate) fn through(cmd: &mut std::process::Command, proxy: &Server) {
    for var in PROXY_VARS {
        cmd.env(var, proxy.url());
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
}
