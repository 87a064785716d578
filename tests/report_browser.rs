//! report.html in a real browser: headless Chromium loads it from disk, takes a screenshot
//! (not blank, the expected size) and dumps the DOM (every chart's inline SVG present). The
//! test fails, saying how to install it, when no Chromium is found.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_autoclose");
const WINDOW: (u32, u32) = (1600, 2400);

fn autoclose(args: &[&str]) {
    let out = Command::new(BIN).args(args).output().expect("the autoclose binary should start");
    assert!(out.status.success(), "autoclose {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// `$CHROMIUM`, else the first of the usual names on `PATH`.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "headless_shell"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
        let lib = Path::new("/usr/lib/chromium").join(name);
        if lib.is_file() {
            return lib;
        }
    }
    panic!(
        "no headless Chromium found (tried $CHROMIUM, chromium-headless-shell, chromium, chromium-browser, \
         google-chrome on PATH). Install it with: apt-get update && apt-get install -y --no-install-recommends \
         chromium-headless-shell   (.ci/run does this when it is missing)"
    );
}

/// Runs Chromium headless on `url` with `extra` flags; returns its standard output.
fn headless(browser: &Path, profile: &Path, extra: &[String], url: &str) -> Vec<u8> {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{} should start: {e}", browser.display()));
    let out = child.stdout.take().expect("stdout should be piped");
    let reader = std::thread::spawn(move || {
        let mut out = out;
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).expect("stdout should read");
        buf
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the browser's status should be readable") {
            assert!(status.success(), "{} exited with {status}", browser.display());
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("{} did not finish within 90 s", browser.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("the reader thread should finish")
}

#[test]
fn report_renders_in_headless_chromium() {
    let browser = chromium();
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = dir.path().join("run");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let s = |p: &Path| p.to_str().expect("path should be UTF-8").to_string();
    autoclose(&["run", &s(&scenario), "--out", &s(&folder), "--replications", "3", "-q"]);
    autoclose(&["plot", &s(&folder), "-q"]);
    let report = folder.join("report.html");
    let html = std::fs::read_to_string(&report).expect("plot should write report.html");
    let stems: Vec<String> = std::fs::read_dir(&folder)
        .expect("folder should list")
        .filter_map(|e| e.expect("entry").file_name().to_string_lossy().strip_suffix(".svg").map(String::from))
        .collect();
    assert_eq!(stems.len(), 4, "{stems:?}");
    let url = format!("file://{}", report.display());

    let shot = dir.path().join("shot.png");
    headless(
        &browser,
        &dir.path().join("profile-shot"),
        &[format!("--screenshot={}", shot.display()), format!("--window-size={},{}", WINDOW.0, WINDOW.1)],
        &url,
    );
    let png = std::fs::read(&shot).expect("Chromium should write the screenshot");
    let decoder = png::Decoder::new(png.as_slice());
    let mut reader = decoder.read_info().expect("the screenshot should be a PNG");
    let info = reader.info().clone();
    assert_eq!((info.width, info.height), WINDOW, "screenshot size");
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).expect("the screenshot's pixels should decode");
    let px = info.color_type.samples();
    let colours: std::collections::BTreeSet<&[u8]> = buf.chunks(px).collect();
    assert!(colours.len() > 200, "the screenshot looks blank: {} distinct colours", colours.len());

    let dom = headless(&browser, &dir.path().join("profile-dom"), &["--dump-dom".to_string()], &url);
    let dom = String::from_utf8_lossy(&dom);
    assert!(dom.contains("<h1>autoclose results: quickstart</h1>"), "the DOM should hold the report");
    for stem in &stems {
        let at =
            dom.find(&format!("id=\"chart-{stem}\"")).unwrap_or_else(|| panic!("chart {stem} missing from the DOM"));
        let rest = &dom[at..];
        let svg = rest.find("<svg").unwrap_or_else(|| panic!("chart {stem} has no inline SVG in the DOM"));
        assert!(
            svg < rest.find("</figure>").expect("figure should close"),
            "chart {stem}'s SVG should be inside its figure"
        );
    }
    assert_eq!(dom.matches("<svg").count(), stems.len());
    assert_eq!(html.matches("<svg").count(), stems.len());
}

#[test]
fn report_needs_no_network_and_no_script() {
    let dir = tempfile::tempdir().expect("a temp dir should be creatable");
    let folder = dir.path().join("run");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let s = |p: &Path| p.to_str().expect("path should be UTF-8").to_string();
    autoclose(&["run", &s(&scenario), "--out", &s(&folder), "--replications", "2", "-q"]);
    autoclose(&["plot", &s(&folder), "-q"]);
    let html = std::fs::read_to_string(folder.join("report.html")).expect("plot should write report.html");
    for needle in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(needle), "report.html should not contain {needle:?}");
    }
    let external = html.replace("http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xlink", "");
    assert!(!external.contains("http://") && !external.contains("https://"), "report.html should link nothing");
    assert!(html.contains("<h2 id=\"scenario\">Scenario as run</h2>\n<pre># Quickstart:"));
    assert!(html.contains("name = &quot;quickstart&quot;"), "scenario.toml should be HTML-escaped");
}
