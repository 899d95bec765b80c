//! Exposure: where a key would end up if the code ships, decided per finding from the file's
//! path and a few cheap looks at its bytes.
//!
//! The contract: [`FileExposure::classify`] is pure (same path, bytes and span give the same
//! answer, whatever the thread or the order), never reads another file, and costs a bounded
//! look around each finding plus at most a few `memmem` passes over the file, made once per
//! file, so neither a multi-megabyte minified line nor a file of 25,000 keys makes it slow. Signals are tried in a fixed order, the first that fires wins:
//!
//! 1. the path says test code or fixtures (`tests/`, `__tests__`, `*.spec.ts`, `testdata/`,
//!    `examples/`): [`Exposure::Test`];
//! 2. the path says documentation (`*.md`, `docs/`): [`Exposure::Docs`];
//! 3. the file kind or place ships to clients (HTML, JSX/TSX/Vue/Svelte, `public/`, `static/`,
//!    build output, bundles, source maps, Android resources, iOS plists, app code, wasm):
//!    [`Exposure::Client`];
//! 4. the bytes say so: a public env prefix that bundlers inline on the finding's own line, a
//!    Gradle `buildConfigField`, `'use client'` or `dangerouslyAllowBrowser: true` in the file:
//!    [`Exposure::Client`];
//! 5. any other code or config file: [`Exposure::Server`]; the rest [`Exposure::Unknown`].
//!
//! Tests and docs come first on purpose: a fixture `.tsx` under `tests/` is test data, and a
//! README that shows `NEXT_PUBLIC_…=sk-…` teaches, it does not ship.

use std::cell::OnceCell;

use memchr::memmem;

use crate::finding::Exposure;

/// Bytes looked at on each side of a finding for line-local signals. Bounded so that a key in
/// a 5 MB minified line costs the same as one in a short line.
const LINE_LOOK: usize = 512;

/// A line longer than this in a `.js` file is treated as minified bundle output.
const MINIFIED_LINE: usize = 2_000;

/// Folder names that hold tests, fixtures or examples.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__mocks__",
    "__fixtures__",
    "spec",
    "specs",
    "fixture",
    "fixtures",
    "testdata",
    "test-data",
    "test_data",
    "e2e",
    "cypress",
    // Not `example`: Android and Java packages live under `com/example/` in real apps.
    "examples",
];

const DOC_DIRS: &[&str] = &["doc", "docs", "documentation", "website-docs"];

const DOC_EXTS: &[&str] = &["md", "mdx", "markdown", "rst", "adoc", "asciidoc"];

/// Folders whose files a web server hands to browsers as they are.
const STATIC_DIRS: &[&str] = &["public", "static", "wwwroot", "www", "assets"];

/// Folders bundlers write their output to.
const OUTPUT_DIRS: &[&str] = &[
    "dist",
    "build",
    "out",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    ".vercel",
];

/// Extensions of files a browser loads (for output folders, where a `.py` is still server).
const WEB_EXTS: &[&str] = &["js", "mjs", "cjs", "css", "html", "htm", "map", "json"];

/// Component files that compile into browser code.
const COMPONENT_EXTS: &[&str] = &["jsx", "tsx", "vue", "svelte", "astro"];

/// Code and config that runs or is read on a server (when no client signal fired).
const SERVER_EXTS: &[&str] = &[
    "py",
    "rb",
    "go",
    "java",
    "php",
    "cs",
    "rs",
    "js",
    "mjs",
    "cjs",
    "ts",
    "mts",
    "cts",
    "kt",
    "kts",
    "scala",
    "ex",
    "exs",
    "erl",
    "clj",
    "pl",
    "lua",
    "r",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "sql",
    "yaml",
    "yml",
    "toml",
    "json",
    "ini",
    "cfg",
    "conf",
    "properties",
    "tf",
    "tfvars",
    "hcl",
    "xml",
    "gradle",
    "ipynb",
    "env",
    "c",
    "cc",
    "cpp",
    "h",
    "hpp",
];

/// File names without a telling extension that are server config.
const SERVER_NAMES: &[&str] = &[
    "dockerfile",
    "containerfile",
    "makefile",
    "procfile",
    "jenkinsfile",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Env prefixes that bundlers inline into client code, with the reason each gives. `PUBLIC_`
/// (SvelteKit, Astro) is last: it is also the tail of the others, and must start a name.
const PUBLIC_PREFIXES: &[(&str, &str)] = &[
    (
        "NEXT_PUBLIC_",
        "NEXT_PUBLIC_ variables are inlined into the Next.js client bundle",
    ),
    (
        "VITE_",
        "VITE_ variables are inlined into the Vite client bundle",
    ),
    (
        "REACT_APP_",
        "REACT_APP_ variables are inlined into the Create React App bundle",
    ),
    (
        "EXPO_PUBLIC_",
        "EXPO_PUBLIC_ variables are inlined into the Expo app",
    ),
    (
        "NUXT_PUBLIC_",
        "NUXT_PUBLIC_ variables are sent to the Nuxt client",
    ),
    (
        "GATSBY_",
        "GATSBY_ variables are inlined into the Gatsby client bundle",
    ),
    (
        "VUE_APP_",
        "VUE_APP_ variables are inlined into the Vue CLI bundle",
    ),
    (
        "STORYBOOK_",
        "STORYBOOK_ variables are inlined into the published Storybook",
    ),
    (
        "PUBLIC_",
        "PUBLIC_ variables are exposed to the client by SvelteKit and Astro",
    ),
];

/// The exposure of every finding in one file. Path facts are worked out once; the file-wide
/// byte markers (`'use client'`, `dangerouslyAllowBrowser`, ...) are searched once, and only
/// when a finding needs them, so a file with 25,000 keys costs one pass, not 25,000.
pub struct FileExposure<'h> {
    hay: &'h [u8],
    dirs: Vec<String>,
    name: String,
    ext: String,
    markers: OnceCell<Markers>,
}

/// File-wide facts found by `memmem`.
#[derive(Debug, Clone, Copy)]
struct Markers {
    use_client: bool,
    allows_browser: bool,
    android_import: bool,
    wasm_bindgen: bool,
}

impl<'h> FileExposure<'h> {
    /// `path` is relative to the scan root and `/`-separated, `hay` the whole file.
    pub fn new(path: &str, hay: &'h [u8]) -> Self {
        let lower = path.to_ascii_lowercase();
        let (dirs, name) = match lower.rsplit_once('/') {
            Some((d, n)) => (d, n),
            None => ("", lower.as_str()),
        };
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        FileExposure {
            hay,
            dirs: dirs
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            name: name.to_string(),
            ext: ext.to_string(),
            markers: OnceCell::new(),
        }
    }

    fn markers(&self) -> Markers {
        *self.markers.get_or_init(|| Markers {
            use_client: memmem::find(self.hay, b"'use client'").is_some()
                || memmem::find(self.hay, b"\"use client\"").is_some(),
            allows_browser: allows_browser(self.hay),
            android_import: memmem::find(self.hay, b"import android.").is_some(),
            wasm_bindgen: memmem::find(self.hay, b"wasm_bindgen").is_some(),
        })
    }

    fn in_dir(&self, set: &[&str]) -> bool {
        self.dirs.iter().any(|d| set.contains(&d.as_str()))
    }

    /// Where the key at `span` would end up, and a short reason for a human.
    pub fn classify(&self, span: (usize, usize)) -> (Exposure, &'static str) {
        let (name, ext) = (self.name.as_str(), self.ext.as_str());
        if let Some(reason) = self.test_path() {
            return (Exposure::Test, reason);
        }
        if DOC_EXTS.contains(&ext) {
            return (Exposure::Docs, "documentation file");
        }
        if self.in_dir(DOC_DIRS) {
            return (Exposure::Docs, "under a docs folder");
        }
        if let Some(reason) = self.client_path(span) {
            return (Exposure::Client, reason);
        }
        if let Some(reason) = self.client_content(span) {
            return (Exposure::Client, reason);
        }
        if SERVER_EXTS.contains(&ext) || SERVER_NAMES.contains(&name) || name.starts_with(".env") {
            return (Exposure::Server, "server-side code or config");
        }
        (Exposure::Unknown, "no signal of where this file ends up")
    }

    fn test_path(&self) -> Option<&'static str> {
        if self.in_dir(TEST_DIRS) {
            return Some("under a test, fixture or examples folder");
        }
        let name = self.name.as_str();
        let stem = name.split('.').next().unwrap_or(name);
        let test_name = name.contains(".test.")
            || name.contains(".spec.")
            || stem.ends_with("_test")
            || stem.ends_with("_spec")
            || stem.starts_with("test_")
            || name == "conftest.py";
        if test_name {
            return Some("a test file");
        }
        // `.env.example`, `config.sample.yml`, `wp-config-sample.php`, `*.examples.json`.
        let sample = name
            .split(['.', '-', '_'])
            .any(|p| matches!(p, "example" | "examples" | "sample" | "samples"));
        sample.then_some("an example or sample file")
    }

    fn client_path(&self, span: (usize, usize)) -> Option<&'static str> {
        let (name, ext) = (self.name.as_str(), self.ext.as_str());
        let js = matches!(ext, "js" | "mjs" | "cjs");
        if name.ends_with(".js.map") || name.ends_with(".css.map") || name.ends_with(".mjs.map") {
            return Some("source map published next to the bundle");
        }
        if matches!(ext, "html" | "htm") {
            return Some("HTML page served to browsers");
        }
        if COMPONENT_EXTS.contains(&ext) {
            return Some("UI component compiled into browser code");
        }
        if self.in_dir(OUTPUT_DIRS) && WEB_EXTS.contains(&ext) {
            return Some("build output served to browsers");
        }
        if self.in_dir(STATIC_DIRS) {
            return Some("static folder served to browsers as is");
        }
        if js && (name.contains(".min.") || name.contains(".bundle.") || name.contains(".chunk.")) {
            return Some("minified bundle");
        }
        if js && long_line(self.hay, span) {
            return Some("minified bundle (one very long line)");
        }
        // Android resources: `res/values/strings.xml`, `res/values-fr/...`, `res/xml/...`.
        if ext == "xml"
            && self
                .dirs
                .windows(2)
                .any(|w| w[0] == "res" && (w[1].starts_with("values") || w[1] == "xml"))
        {
            return Some("Android resource packed into the APK");
        }
        if name == "androidmanifest.xml" {
            return Some("Android manifest packed into the APK");
        }
        if name == "info.plist" || ext == "xcconfig" || ext == "plist" {
            return Some("iOS app configuration bundled into the app");
        }
        if matches!(ext, "swift" | "m" | "mm" | "dart") {
            return Some("mobile app code shipped to devices");
        }
        if matches!(ext, "kt" | "java")
            && (self.in_dir(&["android"]) || self.markers().android_import)
        {
            return Some("Android app code shipped to devices");
        }
        if ext == "rs"
            && (self.dirs.iter().any(|d| d.contains("wasm")) || self.markers().wasm_bindgen)
        {
            return Some("Rust compiled to WebAssembly for the browser");
        }
        None
    }

    fn client_content(&self, span: (usize, usize)) -> Option<&'static str> {
        let line = around(self.hay, span);
        if let Some(reason) = public_prefix(line, self.name.starts_with(".env")) {
            return Some(reason);
        }
        let gradle = matches!(self.ext.as_str(), "gradle" | "kts");
        if gradle
            && (memmem::find(line, b"buildConfigField").is_some()
                || memmem::find(line, b"resValue").is_some())
        {
            return Some("Gradle buildConfigField compiles the value into the Android app");
        }
        let m = self.markers();
        if m.use_client {
            return Some("'use client' module runs in the browser");
        }
        if m.allows_browser {
            return Some("SDK built with dangerouslyAllowBrowser: true runs in the browser");
        }
        None
    }
}

/// The finding's line, cut to [`LINE_LOOK`] bytes on each side of the span.
fn around(hay: &[u8], span: (usize, usize)) -> &[u8] {
    let start = span.0.min(hay.len());
    let end = span.1.clamp(start, hay.len());
    let lo = start.saturating_sub(LINE_LOOK);
    let hi = (end + LINE_LOOK).min(hay.len());
    let from = memchr::memrchr(b'\n', &hay[lo..start]).map_or(lo, |i| lo + i + 1);
    let to = memchr::memchr(b'\n', &hay[end..hi]).map_or(hi, |i| end + i);
    &hay[from..to]
}

/// True when the line holding the span is longer than [`MINIFIED_LINE`]; looks no further.
fn long_line(hay: &[u8], span: (usize, usize)) -> bool {
    let start = span.0.min(hay.len());
    let end = span.1.clamp(start, hay.len());
    let lo = start.saturating_sub(MINIFIED_LINE);
    let hi = (end + MINIFIED_LINE).min(hay.len());
    let from = memchr::memrchr(b'\n', &hay[lo..start]).map_or(lo, |i| lo + i + 1);
    let to = memchr::memchr(b'\n', &hay[end..hi]).map_or(hi, |i| end + i);
    to - from > MINIFIED_LINE
}

/// The reason of the first public env prefix that starts a name in `line`. Bare `PUBLIC_` is
/// also an ordinary name start (`PUBLIC_KEY = ...` in Python), so it counts only in a `.env`
/// file or read through an env object (`import.meta.env.PUBLIC_...`).
fn public_prefix(line: &[u8], dotenv: bool) -> Option<&'static str> {
    PUBLIC_PREFIXES.iter().find_map(|&(prefix, reason)| {
        let bare = prefix == "PUBLIC_";
        memmem::find_iter(line, prefix.as_bytes())
            .any(|at| {
                let starts_name = at == 0 || !is_name_byte(line[at - 1]);
                let env_like = !bare || dotenv || line[..at].ends_with(b"env.");
                starts_name && env_like
            })
            .then_some(reason)
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `dangerouslyAllowBrowser: true` (any spacing, `=` for Python-style keywords).
fn allows_browser(hay: &[u8]) -> bool {
    const FLAG: &[u8] = b"dangerouslyAllowBrowser";
    memmem::find_iter(hay, FLAG).any(|at| {
        let rest = &hay[at + FLAG.len()..];
        let rest = trim_start(rest);
        let Some((&sep, rest)) = rest.split_first() else {
            return false;
        };
        matches!(sep, b':' | b'=') && trim_start(rest).starts_with(b"true")
    })
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";

    fn at(path: &str, text: &str) -> Exposure {
        let start = text.find(KEY).expect("the case holds the key");
        FileExposure::new(path, text.as_bytes())
            .classify((start, start + KEY.len()))
            .0
    }

    #[test]
    fn signals_in_order() {
        use Exposure::*;
        let line = format!("const k = '{KEY}';\n");
        let cases: &[(&str, String, Exposure)] = &[
            ("src/server.py", line.clone(), Server),
            ("tests/server.py", line.clone(), Test),
            ("web/src/__tests__/chat.tsx", line.clone(), Test),
            ("web/src/chat.spec.ts", line.clone(), Test),
            ("README.md", line.clone(), Docs),
            ("docs/setup.txt", line.clone(), Docs),
            ("web/index.html", line.clone(), Client),
            ("web/src/Chat.tsx", line.clone(), Client),
            ("web/src/Chat.vue", line.clone(), Client),
            ("web/public/config.js", line.clone(), Client),
            ("web/dist/assets/index-4f9a2c.js", line.clone(), Client),
            ("web/dist/server.py", line.clone(), Server),
            ("web/vendor.min.js", line.clone(), Client),
            ("dist/app.js.map", line.clone(), Client),
            ("app/src/main/res/values/strings.xml", line.clone(), Client),
            ("ios/App/Info.plist", line.clone(), Client),
            ("ios/Config.xcconfig", line.clone(), Client),
            ("ios/App/Api.swift", line.clone(), Client),
            ("server/src/Api.kt", line.clone(), Server),
            ("android/app/src/Api.kt", line.clone(), Client),
            ("crates/chat-wasm/src/lib.rs", line.clone(), Client),
            ("src/lib.rs", line.clone(), Server),
            (
                "web/.env.local",
                format!("NEXT_PUBLIC_DEEPSEEK_KEY={KEY}\n"),
                Client,
            ),
            ("web/.env", format!("VITE_KEY={KEY}\n"), Client),
            ("web/.env", format!("PUBLIC_DEEPSEEK_KEY={KEY}\n"), Client),
            (
                "web/src/a.ts",
                format!("const k = import.meta.env.PUBLIC_K ?? '{KEY}';\n"),
                Client,
            ),
            ("server/keys.py", format!("PUBLIC_KEY = '{KEY}'\n"), Server),
            ("web/.env", format!("DEEPSEEK_KEY={KEY}\n"), Server),
            (
                "web/.env",
                format!("SVELTE_PUBLIC_X=1\nKEY={KEY}\n"),
                Server,
            ),
            (
                "app/build.gradle",
                format!("buildConfigField \"String\", \"K\", \"\\\"{KEY}\\\"\"\n"),
                Client,
            ),
            ("web/src/a.ts", format!("'use client';\n{line}"), Client),
            (
                "web/src/a.ts",
                format!("new OpenAI({{ dangerouslyAllowBrowser: true }});\n{line}"),
                Client,
            ),
            (
                "web/src/a.ts",
                format!("new OpenAI({{ dangerouslyAllowBrowser: false }});\n{line}"),
                Server,
            ),
            ("notes.txt", line.clone(), Unknown),
        ];
        for (path, text, want) in cases {
            assert_eq!(at(path, text), *want, "{path}: {text}");
        }
    }

    #[test]
    fn a_long_minified_line_is_a_bundle_and_stays_cheap() {
        let mut text = "x".repeat(3_000);
        text.push_str(&format!(";var k=\"{KEY}\";"));
        text.push_str(&"y".repeat(3_000));
        assert_eq!(at("web/app.js", &text), Exposure::Client);
        assert_eq!(at("web/app.py", &text), Exposure::Server);
    }

    #[test]
    fn spans_at_the_edges_do_not_panic() {
        for (hay, span) in [
            ("", (0, 0)),
            ("abc", (3, 3)),
            ("abc", (5, 9)),
            ("a\n", (2, 1)),
        ] {
            let _ = FileExposure::new("a.js", hay.as_bytes()).classify(span);
        }
    }
}
