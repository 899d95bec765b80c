//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) opens a generated
//! report from disk, and the tests read what it rendered (`--dump-dom`), what it printed on its
//! console, and what it tried to fetch (every request goes to a proxy on loopback that this test
//! owns). Skipped with a printed reason when chromium is missing; `.ci/run` installs it.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{findings, keyhound, path_str, tree};

/// Longer than chromium ever needs here (a second or two); a run past it is killed and fails.
const LIMIT: Duration = Duration::from_secs(90);

/// The browser, or `None` (with the reason printed) when none is installed.
fn chromium() -> Option<&'static str> {
    for name in ["chromium", "chromium-browser"] {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Some(name);
        }
    }
    eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    None
}

/// What one browser run saw.
struct Visit {
    /// The DOM after the page ran (`--dump-dom`); empty for a screenshot run.
    dom: String,
    /// The page's console messages (chromium logs each as `INFO:CONSOLE`).
    console: Vec<String>,
    /// The first line of every request the page sent through the proxy.
    requests: Vec<String>,
}

/// Hosts Chromium itself calls on start (sign-in, network time, field trials) whatever the
/// page does; they go through the proxy too, and are not the page's doing.
const BROWSER_OWN: [&str; 4] = [
    ".google.com",
    ".googleapis.com",
    ".gvt1.com",
    ".gstatic.com",
];

/// A proxy on loopback that records the first line of each request and answers nothing: the
/// browser is pointed at it, so any fetch the page makes shows up here and reaches no one.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("an address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 1024];
                        let n = conn.read(&mut buf).unwrap_or(0);
                        let text = String::from_utf8_lossy(&buf[..n]);
                        let line = text.lines().next().unwrap_or("(nothing read)").to_string();
                        s.lock().unwrap().push(line);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Proxy {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// The requests seen, less the browser's own.
    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().expect("the proxy thread ends");
        }
        let seen = self.seen.lock().unwrap().clone();
        seen.into_iter()
            .filter(|line| {
                let host = request_host(line);
                !BROWSER_OWN.iter().any(|own| host.ends_with(own))
            })
            .collect()
    }
}

/// The host a proxy request line names: `CONNECT host:443 HTTP/1.1`, `GET http://host/x HTTP/1.1`.
fn request_host(line: &str) -> String {
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let target = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
        .unwrap_or(target);
    let host = target.split(['/', ':']).next().unwrap_or("");
    format!(".{}", host.to_ascii_lowercase())
}

/// Opens `page` (with `fragment`, e.g. `#provider=GitLab`) in headless chromium, with a fresh
/// profile, every request sent to a [`Proxy`], and `mode` (`--dump-dom`, or `--screenshot=..`).
fn visit(browser: &str, page: &Path, fragment: &str, mode: &[&str]) -> Visit {
    let work = tempfile::tempdir().expect("a temp dir");
    let profile = work.path().join("profile");
    let (out_path, err_path) = (work.path().join("out"), work.path().join("err"));
    let proxy = Proxy::start();
    let url = format!("file://{}{fragment}", path_str(page));
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        // The sandbox needs namespaces a CI container (and root) does not get.
        "--no-sandbox",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        "--window-size=1400,1200",
        "--proxy-bypass-list=<-loopback>",
    ])
    .arg(format!("--proxy-server=http://127.0.0.1:{}", proxy.port))
    .arg(format!("--user-data-dir={}", path_str(&profile)))
    .args(mode)
    .arg(&url)
    // Output to files, not pipes: a browser helper that outlives a kill cannot block a reader.
    .stdout(std::fs::File::create(&out_path).expect("create out"))
    .stderr(std::fs::File::create(&err_path).expect("create err"))
    .stdin(Stdio::null());
    // Its own process group, so that a hang is ended with every helper process it started.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            proxy.finish();
            panic!("chromium did not finish within {LIMIT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let requests = proxy.finish();
    let dom = std::fs::read_to_string(&out_path).unwrap_or_default();
    let err = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed ({status}) on {url}:\n{err}"
    );
    let console = err
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Visit {
        dom,
        console,
        requests,
    }
}

/// The text of the element with `id` in `dom` (a simple element, no nested tags).
fn element_text<'d>(dom: &'d str, id: &str) -> &'d str {
    let open = format!("id=\"{id}\"");
    let at = dom
        .find(&open)
        .unwrap_or_else(|| panic!("no element #{id} in:\n{dom}"));
    let start = at + dom[at..].find('>').expect("the tag closes") + 1;
    let end = start + dom[start..].find('<').expect("the element closes");
    &dom[start..end]
}

/// The `data-provider` of each findings row in `dom`.
fn row_providers(dom: &str) -> Vec<String> {
    dom.split("<tr class=\"finding\" data-provider=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("the attribute closes")].replace("&amp;", "&"))
        .collect()
}

/// A tree with keys of several providers, one of them under a folder whose name closes a
/// script element (the page embeds paths in its data block).
fn audit_tree() -> tempfile::TempDir {
    tree(&[
        (
            "server/deepseek.env",
            b"DEEPSEEK_API_KEY=\"sk-7c2e9a4f1b8d3e6a0c5f2b9e4d7a1c38\"\n",
        ),
        (
            "server/ci.env",
            b"GITLAB_TOKEN=glpat-GKujkvtR0dOX8KKQOom7\n",
        ),
        (
            "web/public/app.js",
            b"const slack = \"xoxb-3353257168593-1318476328033-EfSZ61gkSji1ml5uUWEzwBgb\";\n",
        ),
        (
            "tests/hf.env",
            b"HF_TOKEN=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\n",
        ),
        (
            "x</script>/k.env",
            b"DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\n",
        ),
    ])
}

/// Scans `dir` once, writing the JSON and the HTML report (`--report` both): the JSON report
/// parsed, and the path of the page.
fn reports(dir: &Path, out: &Path) -> (Value, PathBuf) {
    let (json, html) = (out.join("report.json"), out.join("report.html"));
    let run = keyhound()
        .arg("scan")
        .arg(dir)
        .arg("--report")
        .arg(format!("json={}", path_str(&json)))
        .arg("--report")
        .arg(format!("html={}", path_str(&html)))
        .output()
        .expect("keyhound runs");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = serde_json::from_slice(&std::fs::read(&json).expect("the JSON report"))
        .expect("the JSON report parses");
    (report, html)
}

#[test]
fn report_opens_offline_without_errors_and_shows_every_finding() {
    let Some(browser) = chromium() else { return };
    let dir = audit_tree();
    let out = tempfile::tempdir().unwrap();
    let (json, page) = reports(dir.path(), out.path());
    let total = findings(&json).len();
    let providers: std::collections::BTreeSet<&str> = findings(&json)
        .iter()
        .map(|f| f["provider"].as_str().unwrap())
        .collect();
    assert!(total >= 5 && providers.len() >= 4, "{json}");

    let seen = visit(browser, &page, "", &["--dump-dom"]);
    assert!(seen.console.is_empty(), "console: {:#?}", seen.console);
    assert!(seen.requests.is_empty(), "requests: {:#?}", seen.requests);
    let dom = &seen.dom;
    assert!(
        dom.contains("data-ready=\""),
        "the script did not finish:\n{dom}"
    );
    assert!(dom.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    assert_eq!(element_text(dom, "total"), total.to_string());
    assert_eq!(element_text(dom, "shown"), total.to_string());
    assert_eq!(row_providers(dom).len(), total);
    // The folder named `x</script>` is shown as text, and its key with the rest.
    assert!(dom.contains("x&lt;/script&gt;/k.env:1:18"), "{dom}");
}

#[test]
fn a_provider_in_the_fragment_shows_exactly_its_rows() {
    let Some(browser) = chromium() else { return };
    let dir = audit_tree();
    let out = tempfile::tempdir().unwrap();
    let (json, page) = reports(dir.path(), out.path());
    for provider in ["DeepSeek", "GitLab", "Hugging Face"] {
        let want = findings(&json)
            .iter()
            .filter(|f| f["provider"] == provider)
            .count();
        assert!(want > 0, "{provider}");
        let fragment = format!("#provider={}", provider.replace(' ', "%20"));
        let seen = visit(browser, &page, &fragment, &["--dump-dom"]);
        assert!(seen.console.is_empty(), "console: {:#?}", seen.console);
        let rows = row_providers(&seen.dom);
        assert_eq!(rows.len(), want, "{provider}: {rows:?}");
        assert!(rows.iter().all(|p| p == provider), "{provider}: {rows:?}");
        assert_eq!(element_text(&seen.dom, "shown"), want.to_string());
        assert_eq!(
            element_text(&seen.dom, "total"),
            findings(&json).len().to_string()
        );
    }
}

/// Path text (any case) and a sort, from the fragment: the rows of `server/`, by provider
/// from Z to A.
#[test]
fn path_text_and_a_sort_in_the_fragment() {
    let Some(browser) = chromium() else { return };
    let dir = audit_tree();
    let out = tempfile::tempdir().unwrap();
    let (json, page) = reports(dir.path(), out.path());
    let mut want: Vec<String> = findings(&json)
        .iter()
        .filter(|f| f["path"].as_str().unwrap().contains("/server/"))
        .map(|f| f["provider"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    want.reverse();
    assert_eq!(want, ["GitLab", "DeepSeek"]);
    let seen = visit(
        browser,
        &page,
        "#path=SERVER%2F&sort=provider&dir=desc",
        &["--dump-dom"],
    );
    assert!(seen.console.is_empty(), "console: {:#?}", seen.console);
    assert_eq!(row_providers(&seen.dom), want);
    let th = seen
        .dom
        .split("<th ")
        .find(|t| t.starts_with("data-sort=\"provider\""));
    let th = th.expect("a provider heading");
    assert!(
        th[..th.find('>').unwrap()].contains("aria-sort=\"descending\""),
        "{th}"
    );
}

#[test]
fn a_screenshot_of_the_report_is_a_png() {
    let Some(browser) = chromium() else { return };
    let dir = audit_tree();
    let out = tempfile::tempdir().unwrap();
    let (_, page) = reports(dir.path(), out.path());
    let shot = out.path().join("report.png");
    let seen = visit(
        browser,
        &page,
        "",
        &[&format!("--screenshot={}", path_str(&shot))],
    );
    assert!(seen.console.is_empty(), "console: {:#?}", seen.console);
    assert!(seen.requests.is_empty(), "requests: {:#?}", seen.requests);
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // 1400x1200 of a rendered page, not a blank one.
    assert!(png.len() > 20_000, "{} bytes", png.len());
}

/// The checks above can fail: a page that logs an error and loads an image from the network is
/// caught by both.
#[test]
fn console_errors_and_requests_are_caught() {
    let Some(browser) = chromium() else { return };
    let dir = tree(&[(
        "bad.html",
        b"<!DOCTYPE html><p>x</p><script>console.error('broken')</script>\
          <img src=\"http://keyhound-test.example/pixel.png\">",
    )]);
    let seen = visit(browser, &dir.path().join("bad.html"), "", &["--dump-dom"]);
    assert!(
        seen.console.iter().any(|l| l.contains("\"broken\"")),
        "{:#?}",
        seen.console
    );
    assert!(
        seen.requests
            .iter()
            .any(|r| r.contains("keyhound-test.example")),
        "{:#?}",
        seen.requests
    );
}

#[test]
fn request_hosts_are_read_from_proxy_lines() {
    let cases = [
        ("CONNECT www.google.com:443 HTTP/1.1", ".www.google.com"),
        ("GET http://Example.test/x.png HTTP/1.1", ".example.test"),
        ("", "."),
    ];
    for (line, want) in cases {
        assert_eq!(request_host(line), want, "{line}");
    }
}

/// Secrets are in the page only with `--show-secrets`, and then under a red warning, in a file
/// readable by its owner only (as the JSON report is).
#[test]
fn secrets_only_with_show_secrets_then_a_banner_and_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    const KEY: &str = "sk-7c2e9a4f1b8d3e6a0c5f2b9e4d7a1c38";
    let dir = tree(&[("a.env", format!("DEEPSEEK_API_KEY={KEY}\n").as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    for show in [false, true] {
        let page = out.path().join(format!("r-{show}.html"));
        let mut cmd = keyhound();
        cmd.args(["scan", "--format", "html", "-o"])
            .arg(&page)
            .arg(dir.path());
        if show {
            cmd.arg("--show-secrets");
        }
        let run = cmd.output().expect("keyhound runs");
        assert_eq!(run.status.code(), Some(1), "{}", crate::util::stderr(&run));
        let html = std::fs::read_to_string(&page).expect("the page");
        assert_eq!(html.contains(KEY), show, "show-secrets {show}");
        assert!(
            html.contains("sk-7c2****"),
            "the redacted form is always there"
        );
        assert_eq!(html.contains("class=\"banner\""), show);
        if show {
            let mode = std::fs::metadata(&page).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }
    }
}
