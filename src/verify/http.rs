//! The HTTP client of `--verify`, and the only code that opens network connections. It keeps
//! the safety contract: HTTPS only (rustls, which speaks TLS 1.2 and 1.3 and nothing older),
//! plain HTTP only to a loopback address; redirects never followed; a connect and a total
//! timeout on every request; at most `body_cap` bytes of a response read. Its errors are its
//! own words, never the HTTP crate's text (which may quote the URL, and a URL may hold the
//! secret).

use std::io::Read;
use std::time::Duration;

use ureq::{http, ProxyProtocol};

use super::text::scrub;

/// A request, with every placeholder already filled in.
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// What came back: the status, the headers and at most `body_cap` bytes of the body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body went on past `body_cap`: `body` holds its first `body_cap` bytes only.
    pub truncated: bool,
}

/// Why no response was read, in words that hold no part of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

pub struct Client {
    https: ureq::Agent,
    /// Why HTTPS requests are refused before any connection, when they are.
    https_refused: Option<&'static str>,
    loopback: ureq::Agent,
    body_cap: u64,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration, connect_timeout: Duration, body_cap: u64) -> Client {
        let base = || {
            ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .timeout_connect(Some(connect_timeout))
                // Redirects are never followed: a 3xx comes back as it is, and is unknown.
                .max_redirects(0)
                .max_redirects_will_error(false)
                .http_status_as_error(false)
                .user_agent(concat!("keyhound/", env!("CARGO_PKG_VERSION")))
                // No compressed bodies: the cap counts the bytes that arrive.
                .accept_encoding("identity")
                .max_idle_connections(0)
        };
        // HTTPS may go through the operator's proxy (ALL_PROXY, HTTPS_PROXY, HTTP_PROXY and
        // their lowercase forms, the first set winning; NO_PROXY): the tunnel stays encrypted.
        let https = base().https_only(true).build().new_agent();
        // ureq without its SOCKS feature would connect straight to the host past a SOCKS proxy
        // from the environment: an operator who relies on the proxy would be bypassed.
        let https_refused = ureq::Proxy::try_from_env()
            .filter(|p| !matches!(p.protocol(), ProxyProtocol::Http | ProxyProtocol::Https))
            .map(|_| {
                "refused: the proxy set in the environment (ALL_PROXY, HTTPS_PROXY or HTTP_PROXY) is a SOCKS proxy, which keyhound cannot use; set an http:// proxy, or unset it"
            });
        // Plain HTTP is only ever sent to loopback, never through a proxy.
        let loopback = base().https_only(false).proxy(None).build().new_agent();
        Client {
            https,
            https_refused,
            loopback,
            body_cap,
            timeout,
        }
    }

    /// Sends `req` and reads the answer. `secret` is scrubbed from any message as a last guard.
    pub fn send(&self, req: &Request, secret: &str) -> Result<Response, Failure> {
        let agent = match scheme_and_host(&req.url) {
            Some(("https", _)) => match self.https_refused {
                Some(why) => return Err(Failure(why.into())),
                None => &self.https,
            },
            Some(("http", host)) if is_loopback(host) => &self.loopback,
            _ => {
                return Err(Failure(
                    "refused: only https:// URLs (or http:// to a loopback address) are used"
                        .into(),
                ))
            }
        };
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(req.body.clone().unwrap_or_default())
            .map_err(|_| Failure("the request could not be built (bad header or URL)".into()))?;
        let mut response = agent
            .run(request)
            .map_err(|e| Failure(scrub(&describe(&e, self.timeout), secret)))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_ascii_lowercase(), v.to_string()))
            })
            .collect();
        let mut body = Vec::new();
        // A body cut short (timeout, reset) still leaves the status, which decides; what
        // arrived is kept for the detail.
        let _ = response
            .body_mut()
            .with_config()
            .reader()
            .take(self.body_cap + 1)
            .read_to_end(&mut body);
        let truncated = body.len() as u64 > self.body_cap;
        body.truncate(self.body_cap as usize);
        Ok(Response {
            status,
            headers,
            body,
            truncated,
        })
    }
}

/// `(scheme, host)` of an absolute URL; the host without port or brackets.
pub fn scheme_and_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    Some((scheme, host))
}

/// 127.0.0.0/8, ::1 and `localhost`.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn describe(e: &ureq::Error, timeout: Duration) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(ureq::Timeout::Connect) => "no answer while connecting (connect timeout)".into(),
        E::Timeout(ureq::Timeout::Resolve) => "no answer from DNS in time".into(),
        E::Timeout(_) => format!("no answer within {}s", timeout.as_secs_f64()),
        E::HostNotFound => "host not found (DNS)".into(),
        E::ConnectionFailed => "connection failed".into(),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("no answer within {}s", timeout.as_secs_f64())
        }
        E::Io(io) => format!("network error ({})", io.kind()),
        E::Tls(what) => format!("TLS error: {what}"),
        E::RequireHttpsOnly(_) => "refused: not an https:// URL".into(),
        E::TooManyRedirects | E::RedirectFailed => "redirect not followed".into(),
        E::BadUri(_) | E::Http(_) => "the URL or a header is not valid".into(),
        E::Protocol(_) => "the server's answer is not valid HTTP".into(),
        _ => "request failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        let cases = [
            ("http://127.0.0.1:8080/x", true),
            ("http://127.1.2.3/x", true),
            ("http://[::1]:9/x", true),
            ("http://localhost:1", true),
            ("http://LOCALHOST/", true),
            ("http://10.0.0.1/", false),
            ("http://example.com/", false),
            ("http://localhost.example.com/", false),
            ("http://127.0.0.1.nip.io/", false),
            ("http://user@127.0.0.1/", false),
        ];
        for (url, want) in cases {
            let got = scheme_and_host(url).is_some_and(|(_, h)| is_loopback(h));
            assert_eq!(got, want, "{url}");
        }
    }

    #[test]
    fn plain_http_to_another_host_is_refused_before_any_connection() {
        let client = Client::new(Duration::from_secs(1), Duration::from_secs(1), 1024);
        let secret = "sk-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let req = Request {
            method: "GET".into(),
            url: format!("http://example.com/bot{secret}/x"),
            headers: vec![("Authorization".into(), format!("Bearer {secret}"))],
            body: None,
        };
        let err = client.send(&req, secret).unwrap_err();
        assert!(err.0.contains("refused"), "{}", err.0);
        assert!(!err.0.contains(secret));
    }

    #[test]
    fn failures_never_hold_the_secret() {
        let secret = "123456:AAbbCCddEEffGGhh_iiJJkkLLmmNNooPP";
        // A loopback port nothing listens on: the connection fails, the message is ours.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let client = Client::new(Duration::from_secs(2), Duration::from_secs(1), 1024);
        let req = Request {
            method: "GET".into(),
            url: format!("http://127.0.0.1:{port}/bot{secret}/getMe"),
            headers: vec![("Authorization".into(), format!("Bearer {secret}"))],
            body: None,
        };
        let err = client.send(&req, secret).unwrap_err();
        assert!(!err.0.contains(secret), "{}", err.0);
        assert!(!err.0.contains("AAbbCC"), "{}", err.0);
        for text in [
            format!("GET /bot{secret}/getMe failed"),
            format!("url=/bot{}/x", super::super::spec::percent_encode(secret)),
        ] {
            let s = scrub(&text, secret);
            assert!(!s.contains(secret) && !s.contains("AAbbCC"), "{s}");
            assert!(s.contains("[secret]"), "{s}");
        }
    }
}
