//! Shipped artifacts (issue 23): keys inside archives, app packages, extensions and binaries,
//! found at `archive!member` paths with the member's own lines; hostile archives (bombs,
//! nesting, self-inclusion, overlap, corruption, encryption) end in warnings, quickly. Every
//! archive is built here at run time; no binary fixture is committed.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{findings, path_str, scan, scan_json, stderr, tree};

// Synthetic keys, made up for these tests.
const DEEPSEEK_A: &str = "sk-5e8b2d4f7a1c9e3b6d0f2a8c4e7b1d9f";
const DEEPSEEK_B: &str = "sk-8d3f1a7c5e9b2d4f6a0c8e1b3d7f5a9c";
const DEEPSEEK_C: &str = "sk-2c7e5a9d1f3b8e6c0a4d2f9b7e1c5a3d";
const AWS_ID: &str = "AKIAQ3EGRFA4GSKDKCM6";

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).expect("zip entry");
        w.write_all(data).expect("zip data");
    }
    w.finish().expect("zip finishes").into_inner()
}

fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_of(entries)).expect("gzip data");
    gz.finish().expect("gzip finishes")
}

/// One member of a zip written by hand: what the hostile cases need (declared sizes that lie,
/// flags, shared data).
struct Raw<'a> {
    name: &'a str,
    /// 0 stored, 8 deflated.
    method: u16,
    /// The member's bytes as stored (compressed when deflated).
    data: &'a [u8],
    declared_size: u32,
    crc: u32,
    flags: u16,
}

/// A zip of `members`, with `extra_entries` more central directory entries that all point at
/// the first member's local header.
fn raw_zip(members: &[Raw<'_>], extra_entries: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count = 0u16;
    let mut first_offset = None;
    let entry = |central: &mut Vec<u8>, m: &Raw<'_>, name: &str, offset: u32| {
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&m.flags.to_le_bytes());
        central.extend_from_slice(&m.method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&m.crc.to_le_bytes());
        central.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&m.declared_size.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    };
    for m in members {
        let offset = out.len() as u32;
        first_offset.get_or_insert(offset);
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&m.flags.to_le_bytes());
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&m.declared_size.to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
        out.extend_from_slice(m.data);
        entry(&mut central, m, m.name, offset);
        count += 1;
    }
    for i in 0..extra_entries {
        // Each under a name of its own: the zip crate keeps one entry per name.
        let name = format!("{i}-{}", members[0].name);
        entry(&mut central, &members[0], &name, first_offset.unwrap_or(0));
        count += 1;
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn stored<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name,
        method: 0,
        data,
        declared_size: data.len() as u32,
        crc: crc32fast::hash(data),
        flags: 0,
    }
}

/// A raw deflate stream of `mib` MiB of zeros, built from repeated flushed blocks (a stream
/// that inflates to gigabytes is built in milliseconds, not by compressing gigabytes).
fn zeros_deflated(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let block = |c: &mut Compress, flush| {
        let mut out = Vec::with_capacity(1 << 20);
        let before = c.total_in();
        while c.total_in() - before < zeros.len() as u64 {
            let at = (c.total_in() - before) as usize;
            c.compress_vec(&zeros[at..], &mut out, FlushCompress::None)
                .expect("deflate");
            if out.capacity() == out.len() {
                out.reserve(1 << 16);
            }
        }
        c.compress_vec(&[], &mut out, flush).expect("flush");
        out
    };
    let first = block(&mut c, FlushCompress::Full);
    let second = block(&mut c, FlushCompress::Full);
    let third = block(&mut c, FlushCompress::Full);
    assert_eq!(second, third, "a flushed block of zeros repeats");
    let mut out = first;
    for _ in 1..mib {
        out.extend_from_slice(&second);
    }
    // The final, empty block.
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, FlushCompress::Finish)
        .expect("finish");
    out.extend_from_slice(&end);
    out
}

/// A WebAssembly module: magic, version, and one data section with one active segment.
fn wasm_with_data(bytes: &[u8]) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let mut segment = vec![1, 0x00, 0x41, 0x00, 0x0b];
    leb(bytes.len(), &mut segment);
    segment.extend_from_slice(bytes);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.push(11);
    leb(segment.len(), &mut module);
    module.extend_from_slice(&segment);
    module
}

/// A minimal `classes.dex`: its magic, a zeroed header and a string data area (each string a
/// ULEB128 length, its bytes and a NUL).
fn fake_dex(strings: &[&str]) -> Vec<u8> {
    let mut dex = b"dex\n035\0".to_vec();
    dex.extend_from_slice(&[0; 104]);
    for s in strings {
        dex.push(s.len() as u8);
        dex.extend_from_slice(s.as_bytes());
        dex.push(0);
    }
    dex
}

/// (path, line, column, rule, exposure, exposure_reason) of each finding, in report order.
fn places(report: &Value) -> Vec<(String, u64, u64, String, String, String)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["exposure"].as_str().unwrap_or_default().to_string(),
                f["exposure_reason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn warnings(report: &Value) -> Vec<(String, String)> {
    report["warnings"]
        .as_array()
        .expect("warnings is an array")
        .iter()
        .map(|w| {
            (
                w["path"].as_str().unwrap_or_default().to_string(),
                w["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn row(
    path: &str,
    line: u64,
    column: u64,
    rule: &str,
    exposure: &str,
    reason: &str,
) -> (String, u64, u64, String, String, String) {
    (
        path.into(),
        line,
        column,
        rule.into(),
        exposure.into(),
        reason.into(),
    )
}

const ANDROID: &str = "inside an Android app package";
const EXTENSION: &str = "inside a browser extension";

#[test]
fn keys_in_an_apk_are_found_in_assets_resources_and_dex_strings() {
    let properties = format!("# app settings\napp.name=demo\ndeepseek.api.key={DEEPSEEK_A}\n");
    let strings_xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<resources>\n    <string name=\"aws_id\">{AWS_ID}</string>\n</resources>\n"
    );
    let dex = fake_dex(&["Lcom/demo/Config;", "https://api.deepseek.com", DEEPSEEK_B]);
    let apk = zip_of(&[
        ("AndroidManifest.xml", b"\x03\x00\x08\x00binary xml\x00\x00"),
        ("assets/config.properties", properties.as_bytes()),
        ("res/values/strings.xml", strings_xml.as_bytes()),
        ("classes.dex", &dex),
    ]);
    let dir = tree(&[("release/app-release.apk", &apk)]);
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(
        places(&report),
        vec![
            row(
                "release/app-release.apk!assets/config.properties",
                3,
                18,
                "deepseek.api-key",
                "client",
                ANDROID
            ),
            // The dex's strings, one per line: the key is the third (after its length byte `#`).
            row(
                "release/app-release.apk!classes.dex",
                3,
                2,
                "deepseek.api-key",
                "client",
                ANDROID
            ),
            row(
                "release/app-release.apk!res/values/strings.xml",
                3,
                27,
                "aws.access-key-id",
                "client",
                ANDROID
            ),
        ]
    );
    let f = &findings(&report)[0];
    assert_eq!(f["provider"], "DeepSeek");
    assert_eq!(f["member"], "assets/config.properties");
    assert!(f["archive"]
        .as_str()
        .unwrap()
        .ends_with("release/app-release.apk"));
    assert_eq!(report["stats"]["archives_read"], 1);
    assert_eq!(report["stats"]["archive_members"], 4);
    // The same key in the same member of another copy is another finding (own fingerprint).
    let fingerprints: std::collections::BTreeSet<&str> = findings(&report)
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 3);
}

#[test]
fn sarif_points_at_the_archive_and_names_the_member() {
    let properties = format!("deepseek.api.key={DEEPSEEK_A}\n");
    let apk = zip_of(&[("assets/config.properties", properties.as_bytes())]);
    let dir = tree(&[("app.apk", &apk)]);
    let out = scan(&["--format", "sarif", path_str(dir.path())]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    crate::outputs::assert_valid_sarif(&sarif);
    let result = &sarif["runs"][0]["results"][0];
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("app.apk"), "{uri}");
    let text = result["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("in member assets/config.properties of the archive, line 1, column 18"),
        "{text}"
    );
    assert_eq!(result["properties"]["member"], "assets/config.properties");
    assert_eq!(result["properties"]["exposure"], "client");
}

#[test]
fn nested_archives_are_named_with_each_level() {
    let properties = format!("db.url=jdbc:h2:mem\n\ndeepseek.key={DEEPSEEK_A}\n");
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config.properties", properties.as_bytes()),
    ]);
    let tgz = tar_gz_of(&[("lib/x.jar", &jar), ("README", b"nothing here\n")]);
    let dir = tree(&[("a.tar.gz", &tgz)]);
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(
        places(&report),
        vec![row(
            "a.tar.gz!lib/x.jar!config.properties",
            3,
            14,
            "deepseek.api-key",
            "server",
            "server-side code or config"
        )]
    );
    let f = &findings(&report)[0];
    assert_eq!(f["member"], "lib/x.jar!config.properties");
    // --max-archive-depth 1 reads the tar.gz, not the jar in it; 0 reads no archive.
    let report = scan_json(&["--max-archive-depth", "1", path_str(dir.path())]);
    assert!(findings(&report).is_empty());
    let w = warnings(&report);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].0.ends_with("a.tar.gz!lib/x.jar"), "{w:?}");
    assert!(w[0].1.contains("--max-archive-depth 1"), "{w:?}");
    let report = scan_json(&["--max-archive-depth", "0", path_str(dir.path())]);
    assert!(findings(&report).is_empty());
    assert_eq!(report["stats"]["archives_read"], 0);
}

#[test]
fn wheels_extensions_and_wasm_modules() {
    let module = format!("import os\n\nDEEPSEEK_API_KEY = \"{DEEPSEEK_A}\"\n");
    let whl = zip_of(&[
        ("demo/__init__.py", b""),
        ("demo/settings.py", module.as_bytes()),
        ("demo-1.0.dist-info/METADATA", b"Name: demo\n"),
    ]);
    let js = format!("// deepseek client\nconst apiKey = \"{DEEPSEEK_B}\";\n");
    let ext_zip = zip_of(&[
        ("manifest.json", b"{\"manifest_version\": 3}\n"),
        ("background.js", js.as_bytes()),
    ]);
    // CRX3: magic, version, header length, header, then the zip.
    let mut crx = b"Cr24\x03\x00\x00\x00\x08\x00\x00\x00protobuf".to_vec();
    crx.extend_from_slice(&ext_zip);
    let xpi = zip_of(&[("content/main.js", js.as_bytes())]);
    let wasm = wasm_with_data(format!("\0\0config\0{DEEPSEEK_C}\0deepseek\0").as_bytes());
    let dir = tree(&[
        ("dist/demo-1.0-py3-none-any.whl", &whl),
        ("ext/demo.crx", &crx),
        ("ext/demo.xpi", &xpi),
        ("web/app.wasm", &wasm),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(
        places(&report),
        vec![
            row(
                "dist/demo-1.0-py3-none-any.whl!demo/settings.py",
                3,
                21,
                "deepseek.api-key",
                "server",
                "server-side code or config"
            ),
            row(
                "ext/demo.crx!background.js",
                2,
                17,
                "deepseek.api-key",
                "client",
                EXTENSION
            ),
            row(
                "ext/demo.xpi!content/main.js",
                2,
                17,
                "deepseek.api-key",
                "client",
                EXTENSION
            ),
            row(
                "web/app.wasm",
                1,
                1,
                "deepseek.api-key",
                "client",
                "inside a WebAssembly module, which ships to browsers"
            ),
        ]
    );
    assert_eq!(findings(&report)[3]["provider"], "DeepSeek");
}

#[test]
fn generic_rules_stay_quiet_in_binary_strings() {
    // A password assignment is found in a text member, not among the strings of a dex.
    let assignment = "db_password = \"Zq8vN3xR7tLp2WmK\"\n";
    let dex = fake_dex(&[assignment.trim_end()]);
    let apk = zip_of(&[
        ("classes.dex", &dex),
        ("assets/db.properties", assignment.as_bytes()),
    ]);
    let dir = tree(&[("app.apk", &apk)]);
    let report = scan_json(&[path_str(dir.path())]);
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert!(
        paths.iter().all(|p| p != "app.apk!classes.dex"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p == "app.apk!assets/db.properties"),
        "{paths:?}"
    );
}

#[test]
fn corrupt_and_encrypted_archives_are_warnings() {
    let first = format!("deepseek.key={DEEPSEEK_A}\n");
    let second = format!("deepseek.key={DEEPSEEK_B}\n");
    let whole = raw_zip(
        &[
            stored("one.properties", first.as_bytes()),
            stored("two.properties", second.as_bytes()),
        ],
        0,
    );
    // Cut in the middle of the second member: no central directory is left.
    let cut = &whole[..whole.len() / 2 + 20];
    let mut encrypted = stored("secret.properties", second.as_bytes());
    encrypted.flags = 1;
    let locked = raw_zip(&[stored("one.properties", first.as_bytes()), encrypted], 0);
    let dir = tree(&[("cut.zip", cut), ("locked.zip", &locked)]);
    let out = scan(&["--format", "json", path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(
        paths,
        vec!["cut.zip!one.properties", "locked.zip!one.properties"]
    );
    let w = warnings(&report);
    assert!(
        w.iter()
            .any(|(p, m)| p == "cut.zip" && m.starts_with("corrupt zip")),
        "{w:?}"
    );
    assert!(
        w.contains(&(
            "locked.zip!secret.properties".into(),
            "encrypted member: listed, not read".into()
        )),
        "{w:?}"
    );
    assert_eq!(report["stats"]["encrypted_members"], 1);
    assert!(report["stats"]["corrupt_archives"].as_u64().unwrap() >= 1);
    let err = stderr(&out);
    assert!(err.contains("encrypted member"), "{err}");
    assert!(err.contains("1 encrypted members"), "{err}");
}

#[test]
fn member_names_that_climb_out_are_reported_and_never_written() {
    let text = format!("deepseek.key={DEEPSEEK_A}\n");
    let zip = zip_of(&[("../../escape.properties", text.as_bytes())]);
    // `../../` from `outer/in/` is the temp dir itself, where nothing else lives.
    let dir = tree(&[("outer/in/up.zip", &zip)]);
    let report = scan_json(&[path_str(&dir.path().join("outer/in"))]);
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, vec!["up.zip!../../escape.properties"]);
    assert_eq!(names(dir.path()), vec!["outer"]);
    assert_eq!(names(&dir.path().join("outer")), vec!["in"]);
    assert_eq!(names(&dir.path().join("outer/in")), vec!["up.zip"]);
}

/// The names directly in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// A 10 GB zip bomb (a member declaring 1,000 bytes) and its kin finish in seconds.
#[test]
fn a_zip_bomb_is_cut_short() {
    let bomb_data = zeros_deflated(10 * 1024);
    let text = format!("deepseek.key={DEEPSEEK_A}\n");
    let bomb = raw_zip(
        &[
            Raw {
                name: "zeros.txt",
                method: 8,
                data: &bomb_data,
                declared_size: 1000,
                crc: 0,
                flags: 0,
            },
            stored("after.properties", text.as_bytes()),
        ],
        0,
    );
    // The same stream as a gzip file: header, deflate data, a trailer that does not matter.
    let mut gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff".to_vec();
    gz.extend_from_slice(&bomb_data);
    gz.extend_from_slice(&[0; 8]);
    let dir = tree(&[("bomb.zip", &bomb), ("zeros.txt.gz", &gz)]);
    let started = Instant::now();
    let report = scan_json(&[path_str(dir.path())]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "{took:?}");
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, vec!["bomb.zip!after.properties"]);
    let w = warnings(&report);
    assert!(
        w.iter()
            .any(|(p, m)| p == "zeros.txt.gz!zeros.txt" && m.contains("times its compressed size")),
        "{w:?}"
    );
    assert_eq!(report["stats"]["archive_limits"], 2);
    assert!(
        w.iter()
            .any(|(p, m)| p == "bomb.zip!zeros.txt" && m.contains("times its compressed size")),
        "{w:?}"
    );
}

/// An archive holding itself again and again: read to the depth limit, then a warning.
#[test]
fn self_including_and_deeply_nested_archives_terminate() {
    let text = format!("deepseek.key={DEEPSEEK_A}\n");
    let mut z = zip_of(&[("key.properties", text.as_bytes())]);
    for _ in 0..10 {
        z = zip_of(&[("self.zip", &z), ("key.properties", text.as_bytes())]);
    }
    // Every central directory entry after the first points at the same nested copy.
    let overlap = raw_zip(&[stored("self.zip", &z)], 5000);
    let dir = tree(&[("nested.zip", &z), ("overlap.zip", &overlap)]);
    let started = Instant::now();
    let report = scan_json(&[path_str(dir.path())]);
    assert!(started.elapsed() < Duration::from_secs(30));
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(
        paths,
        vec![
            "nested.zip!key.properties",
            "nested.zip!self.zip!key.properties",
            "nested.zip!self.zip!self.zip!key.properties",
            "overlap.zip!self.zip!key.properties",
            "overlap.zip!self.zip!self.zip!key.properties",
        ]
    );
    let w = warnings(&report);
    assert!(
        w.contains(&(
            "nested.zip!self.zip!self.zip!self.zip".into(),
            "nested archive not read: deeper than --max-archive-depth 3".into()
        )),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|(p, m)| p == "overlap.zip" && m.contains("share their data")),
        "{w:?}"
    );
    // All ten levels when asked for.
    let report = scan_json(&[
        "--max-archive-depth",
        "12",
        path_str(&dir.path().join("nested.zip")),
    ]);
    assert_eq!(findings(&report).len(), 11);
}

#[test]
fn ordinary_binaries_need_binaries_flag() {
    let mut blob = vec![0u8, 1, 2, 3];
    blob.extend_from_slice(format!("deepseek={DEEPSEEK_A}").as_bytes());
    blob.push(0);
    let dir = tree(&[("lib/native.bin", &blob)]);
    let report = scan_json(&[path_str(dir.path())]);
    assert!(findings(&report).is_empty());
    let report = scan_json(&["--binaries", path_str(dir.path())]);
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, vec!["lib/native.bin"]);
}

#[test]
fn archives_committed_to_git_are_read_in_history() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("git is not installed: skipped");
        return;
    }
    let properties = format!("deepseek.api.key={DEEPSEEK_A}\n");
    let apk = zip_of(&[("assets/config.properties", properties.as_bytes())]);
    let dir = tree(&[("release/app.apk", &apk)]);
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "release"]);
    let report = scan_json(&["--history", path_str(dir.path())]);
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report}");
    assert_eq!(f[0]["path"], "release/app.apk!assets/config.properties");
    assert_eq!(f[0]["repo_path"], "release/app.apk");
    assert_eq!(f[0]["exposure"], "client");
    assert!(f[0]["commit"].is_string());
}

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).expect("tar entry");
    }
    b.into_inner().expect("tar finishes")
}

fn bzip2_of(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn xz_of(data: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn zstd_of(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// An Electron `.asar`: u32 4, u32 index pickle size; the pickle (u32 payload size, u32 JSON
/// length, the JSON padded to 4 bytes); then the files' bytes, at offsets from there.
fn asar_of(files: &[(&str, &[u8])], extra: &str) -> Vec<u8> {
    let mut body = Vec::new();
    let mut root = serde_json::Map::new();
    for (path, data) in files {
        let mut dir = &mut root;
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            let node = dir
                .entry(part.to_string())
                .or_insert_with(|| serde_json::json!({"files": {}}));
            dir = node["files"].as_object_mut().unwrap();
        }
        dir.insert(
            parts[parts.len() - 1].to_string(),
            serde_json::json!({"size": data.len(), "offset": body.len().to_string()}),
        );
        body.extend_from_slice(data);
    }
    let mut json = serde_json::to_string(&serde_json::json!({ "files": root })).unwrap();
    if !extra.is_empty() {
        // A hand-written entry (hostile cases), spliced into the root's files.
        json = json.replacen("{\"files\":{", &format!("{{\"files\":{{{extra},"), 1);
    }
    let padded = json.len().div_ceil(4) * 4;
    let mut out = Vec::new();
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&((padded + 8) as u32).to_le_bytes());
    out.extend_from_slice(&((padded + 4) as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    out.resize(out.len() + padded - json.len(), 0);
    out.extend_from_slice(&body);
    out
}

#[test]
fn bzip2_xz_and_zstd_tarballs_and_single_files() {
    let props = format!("# release config\ndeepseek.key={DEEPSEEK_A}\n");
    let env = format!("\nDEEPSEEK_API_KEY={DEEPSEEK_B}\n");
    let tar = tar_of(&[("pkg/conf/app.properties", props.as_bytes())]);
    let dir = tree(&[
        ("dist/release.tar.bz2", &bzip2_of(&tar)),
        ("dist/release.tar.xz", &xz_of(&tar)),
        ("dist/release.tar.zst", &zstd_of(&tar)),
        ("dist/release.tbz2", &bzip2_of(&tar)),
        ("backup/prod.env.bz2", &bzip2_of(env.as_bytes())),
        ("backup/prod.env.xz", &xz_of(env.as_bytes())),
        ("backup/prod.env.zst", &zstd_of(env.as_bytes())),
        // Two zstd frames, a skippable frame between them: every frame is read.
        (
            "backup/two.env.zst",
            &[
                zstd_of(b"# first frame\n"),
                vec![0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3],
                zstd_of(env.as_bytes()),
            ]
            .concat(),
        ),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    let got: Vec<(String, u64, String)> = places(&report)
        .into_iter()
        .map(|p| (p.0, p.1, p.3))
        .collect();
    let want: Vec<(String, u64, String)> = [
        ("backup/prod.env.bz2!prod.env", 2),
        ("backup/prod.env.xz!prod.env", 2),
        ("backup/prod.env.zst!prod.env", 2),
        ("backup/two.env.zst!two.env", 3),
        ("dist/release.tar.bz2!pkg/conf/app.properties", 2),
        ("dist/release.tar.xz!pkg/conf/app.properties", 2),
        ("dist/release.tar.zst!pkg/conf/app.properties", 2),
        ("dist/release.tbz2!pkg/conf/app.properties", 2),
    ]
    .iter()
    .map(|(p, l)| (p.to_string(), *l, "deepseek.api-key".to_string()))
    .collect();
    assert_eq!(got, want);
    for f in findings(&report) {
        assert!(f["archive"].as_str().is_some() && f["member"].as_str().is_some());
    }
    assert_eq!(warnings(&report), vec![]);
}

#[test]
fn corrupt_and_hostile_compressed_streams_are_warnings() {
    let env = format!("DEEPSEEK_API_KEY={DEEPSEEK_A}\n");
    let good = xz_of(env.as_bytes());
    let cut = &good[..good.len() / 2];
    // A zstd frame header asking for a 2 GiB window (window descriptor 0xa8: exponent 21,
    // 2^(10+21) bytes), then nothing: refused before anything is allocated.
    let huge_window = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00];
    // Zeros compressed a thousandfold: the ratio limit stops each codec.
    let zeros = vec![0u8; 8 << 20];
    let dir = tree(&[
        ("cut.env.xz", cut),
        ("window.env.zst", &huge_window),
        ("garbage.tar.bz2", b"BZh9 this is not bzip2 data at all"),
        ("bomb.bz2", &bzip2_of(&zeros)),
        ("bomb.zst", &zstd_of(&zeros)),
        ("bomb.xz", &xz_of(&zeros)),
    ]);
    let started = Instant::now();
    let report = scan_json(&[path_str(dir.path())]);
    assert!(started.elapsed() < Duration::from_secs(60));
    let w = warnings(&report);
    let has = |path: &str, needle: &str| {
        assert!(
            w.iter().any(|(p, m)| p == path && m.contains(needle)),
            "{path}: {needle:?} in {w:?}"
        );
    };
    has("cut.env.xz!cut.env", "corrupt member");
    has("window.env.zst!window.env", "window");
    has("garbage.tar.bz2", "corrupt tar");
    for bomb in ["bomb.bz2!bomb", "bomb.zst!bomb", "bomb.xz!bomb"] {
        has(bomb, "decompresses more than 200 times");
    }
    assert_eq!(findings(&report).len(), 0, "{report}");
}

#[test]
fn electron_asar_bundles_are_client_code() {
    let main = format!(
        "const {{ OpenAI }} = require('openai');\nconst client = new OpenAI({{\n  baseURL: 'https://api.deepseek.com',\n  apiKey: '{DEEPSEEK_A}',\n}});\n"
    );
    let nested = zip_of(&[(
        "config.json",
        format!("{{\"key\": \"{DEEPSEEK_B}\"}}").as_bytes(),
    )]);
    let asar = asar_of(
        &[
            ("package.json", b"{\"name\": \"app\", \"main\": \"dist/main.js\"}"),
            ("dist/main.js", main.as_bytes()),
            ("assets/extra.zip", &nested),
        ],
        // Links and unpacked files are not inside the bundle; an entry pointing past its end
        // is a warning.
        "\"native.node\":{\"size\":10,\"unpacked\":true},\"current\":{\"link\":\"dist\"},\"broken.js\":{\"size\":99999,\"offset\":\"0\"}",
    );
    let dir = tree(&[("release/resources/app.asar", &asar)]);
    let report = scan_json(&[path_str(dir.path())]);
    const ELECTRON: &str = "inside an Electron app bundle";
    assert_eq!(
        places(&report),
        vec![
            row(
                "release/resources/app.asar!assets/extra.zip!config.json",
                1,
                10,
                "deepseek.api-key",
                "client",
                ELECTRON
            ),
            row(
                "release/resources/app.asar!dist/main.js",
                4,
                12,
                "deepseek.api-key",
                "client",
                ELECTRON
            ),
        ]
    );
    let w = warnings(&report);
    assert_eq!(
        w,
        vec![(
            "release/resources/app.asar!broken.js".to_string(),
            "corrupt asar entry: its offset and size lie outside the bundle".to_string()
        )]
    );
    // Not an asar after all (a text file so named): scanned as text.
    let dir = tree(&[("notes.asar", format!("key {DEEPSEEK_C}\n").as_bytes())]);
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(findings(&report).len(), 1);
}
