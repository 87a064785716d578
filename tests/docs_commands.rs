//! Every command shown in README.md and docs/*.md is run here, so documentation that drifts
//! is a failing test.
//!
//! What counts as a command:
//! - every line of a fenced block tagged `sh` (a trailing `\` joins lines; comments are the
//!   shell's); a block whose first line is `#!` is a script, not a list of commands (the Slurm
//!   job script of docs/sweep.md) and a block tagged `sh slurm` or `sh kubernetes` is a recipe
//!   for another machine: neither is run here (the Slurm recipe is for the Slurm test);
//! - every inline code span that starts with `autoclose ` or `cargo run` and names no
//!   placeholder (an all-capitals word such as `SCENARIO`, `...` or `[`): a synopsis is not a
//!   command.
//!
//! - in a bundled scenario's header comment, every line `#   autoclose ...` or
//!   `#   cargo ...` (with `\` continuations on the following comment lines).
//!
//! Fenced blocks must say what they are: `sh` for commands, `text` for output and synopses,
//! `toml`/`yaml` for files. An untagged block fails the test, so that a new command cannot
//! hide in one.
//!
//! Each document's commands run in order in a fresh folder that sees the repository's
//! `scenarios/` and `tests/fixtures/`, with `autoclose`, `./target/release/autoclose` and
//! `cargo run --release --` all meaning the binary under test. A few `cargo` commands are not
//! run (SKIPPED says why each one is safe to skip).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands shown but not run here, by a prefix of the command, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    ("cargo test", "the test suite itself (CI runs it)"),
    ("AUTOCLOSE_FUZZ_CASES=", "the long fuzz run of tests/hostile.rs; CI runs its short form"),
    ("cargo build --release", "cargo built the binary under test before this test ran"),
    ("cargo install --path .", "installs into ~/.cargo/bin; the binary under test is the same build"),
    ("cargo bench", "the benchmark: minutes of measurement, not a check"),
    ("cargo fmt", "CI runs it"),
    (".ci/run", "CI itself: fmt, clippy, this suite, then tests/slurm.sh"),
    ("cargo clippy", "CI runs it"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The commands in a scenario file's comments: `#   autoclose ...`, continued by `\`.
fn scenario_commands(text: &str) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let Some(body) = raw.strip_prefix('#') else {
            open = false;
            continue;
        };
        let body = body.trim();
        let part = body.trim_end_matches('\\').trim();
        if open {
            let last = out.last_mut().expect("a command being continued");
            last.text.push(' ');
            last.text.push_str(part);
        } else if body.starts_with("autoclose ") || body.starts_with("cargo ") {
            out.push(Shown { line: i + 1, text: part.to_string() });
        } else {
            continue;
        }
        open = body.ends_with('\\');
    }
    out
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("scenarios"))
        .expect("scenarios/ should exist")
        .map(|e| e.expect("a scenarios/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn documents() -> Vec<PathBuf> {
    let mut docs = vec![repo().join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/ should exist")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    more.sort();
    docs.extend(more);
    docs
}

/// A command and where it is written.
#[derive(Debug, Clone)]
struct Shown {
    line: usize,
    text: String,
}

/// The fenced blocks' problems and the commands of one document.
fn extract(text: &str) -> (Vec<Shown>, Vec<String>) {
    let mut commands = Vec::new();
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        if let Some(tag) = l.strip_prefix("```") {
            let tag = tag.trim();
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].trim_start().starts_with("```") {
                end += 1;
            }
            let body = &lines[start..end.min(lines.len())];
            match tag {
                "" => problems.push(format!("line {}: a fenced block without a tag (sh, text, toml, ...)", i + 1)),
                "sh" if body.first().is_some_and(|f| f.starts_with("#!")) => {}
                // A recipe for another machine (`sh slurm`, `sh kubernetes`): shown, not run here.
                t if t.starts_with("sh ") => {}
                "sh" => {
                    let mut pending: Option<Shown> = None;
                    for (k, raw) in body.iter().enumerate() {
                        let line_no = start + k + 1;
                        let cont = raw.trim_end().ends_with('\\');
                        let part = raw.trim_end().trim_end_matches('\\');
                        match pending.as_mut() {
                            Some(p) => {
                                p.text.push(' ');
                                p.text.push_str(part.trim());
                            }
                            None => pending = Some(Shown { line: line_no, text: part.trim().to_string() }),
                        }
                        if !cont {
                            let p = pending.take().expect("a command should be pending");
                            if !p.text.is_empty() && !p.text.starts_with('#') {
                                commands.push(p);
                            }
                        }
                    }
                }
                _ => {}
            }
            i = end + 1;
            continue;
        }
        // Inline code spans outside fences; a heading names commands, it does not run them.
        let mut rest = if l.starts_with('#') { "" } else { lines[i] };
        while let Some(open) = rest.find('`') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('`') else { break };
            let span = &after[..close];
            if is_inline_command(span) {
                commands.push(Shown { line: i + 1, text: span.to_string() });
            }
            rest = &after[close + 1..];
        }
        i += 1;
    }
    (commands, problems)
}

fn is_inline_command(span: &str) -> bool {
    let starts = span.starts_with("autoclose ") || span.starts_with("cargo run ");
    let placeholder = span.contains("...")
        || span.contains('[')
        || span.split_whitespace().any(|w| {
            let letters: String = w.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            letters.len() >= 2 && letters.chars().all(|c| c.is_ascii_uppercase())
        });
    starts && !placeholder
}

fn skipped(cmd: &str) -> Option<&'static str> {
    SKIPPED.iter().find(|(prefix, _)| cmd.starts_with(prefix)).map(|(_, why)| *why)
}

/// A fresh folder that looks like the repository to a documented command.
fn workspace(bin: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for d in ["scenarios", "tests", "docs"] {
        std::os::unix::fs::symlink(repo().join(d), dir.path().join(d)).expect("link a repository folder");
    }
    let rel = dir.path().join("target/release");
    std::fs::create_dir_all(&rel).expect("a target/release folder");
    std::os::unix::fs::symlink(bin, rel.join("autoclose")).expect("link the binary");
    let path_dir = dir.path().join(".bin");
    std::fs::create_dir_all(&path_dir).expect("a folder for PATH");
    std::os::unix::fs::symlink(bin, path_dir.join("autoclose")).expect("link the binary on PATH");
    dir
}

#[test]
fn every_documented_command_runs() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_autoclose"));
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut skips = Vec::new();
    // Read-only commands (`check`, `validate`, `--help`) give the same answer wherever they are
    // shown: each runs once (the full `check` takes a while).
    let mut seen_read_only = std::collections::HashSet::new();
    for doc in documents().into_iter().chain(scenario_files()) {
        let text = std::fs::read_to_string(&doc).expect("a readable document");
        let name = doc.strip_prefix(repo()).expect("a document of the repository").display().to_string();
        let (commands, problems) =
            if name.ends_with(".toml") { (scenario_commands(&text), Vec::new()) } else { extract(&text) };
        failures.extend(problems.into_iter().map(|p| format!("{name}:{p}")));
        let ws = workspace(&bin);
        let path = format!("{}:{}", ws.path().join(".bin").display(), std::env::var("PATH").unwrap_or_default());
        for c in commands {
            if let Some(why) = skipped(&c.text) {
                skips.push(format!("{name}:{}: {} ({why})", c.line, c.text));
                continue;
            }
            let cmd = c.text.replacen("cargo run --release --", "autoclose", 1);
            let bare = cmd.split('#').next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
            let read_only =
                ["autoclose check", "autoclose validate", "autoclose --help"].iter().any(|p| bare.starts_with(p));
            if read_only && !seen_read_only.insert(bare.clone()) {
                continue;
            }
            assert!(!cmd.contains("cargo "), "{name}:{}: a cargo command with no rule: {}", c.line, c.text);
            let started = std::time::Instant::now();
            let out = Command::new("timeout")
                .arg("300")
                .arg("sh")
                .arg("-c")
                .arg(&cmd)
                .current_dir(ws.path())
                .env("PATH", &path)
                .output()
                .expect("sh should start");
            ran += 1;
            eprintln!("{name}:{}: {:.1} s: {}", c.line, started.elapsed().as_secs_f64(), c.text);
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                let tail: Vec<&str> = err.lines().rev().take(8).collect();
                failures.push(format!(
                    "{name}:{}: `{}` exited with {}:\n    {}",
                    c.line,
                    c.text,
                    out.status,
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n    ")
                ));
            }
        }
    }
    eprintln!("ran {ran} documented command(s); skipped:\n  {}", skips.join("\n  "));
    assert!(ran >= 10, "only {ran} documented commands found: is the extraction broken?");
    assert!(failures.is_empty(), "documented commands that fail:\n{}", failures.join("\n"));
}

#[test]
fn scenario_headers_give_their_commands() {
    let text =
        "# A study:\n#\n#   autoclose sweep s.toml \\\n#     --vary a=1,2\n#   autoclose run s.toml\n[scenario]\n";
    let got: Vec<(usize, String)> = scenario_commands(text).into_iter().map(|c| (c.line, c.text)).collect();
    assert_eq!(got, [(3, "autoclose sweep s.toml --vary a=1,2".to_string()), (5, "autoclose run s.toml".to_string())]);
}

#[test]
fn extraction_reads_blocks_continuations_and_inline_spans() {
    let doc = "Run `autoclose run scenarios/x.toml --force` or `autoclose run SCENARIO`.\n\
               ```sh\n# a comment\nautoclose sweep a.toml \\\n  --vary k=1,2   # trailing\n\ncargo test\n```\n\
               ```text\nautoclose merge DIR...\n```\n```\nuntagged\n```\n";
    let (cmds, problems) = extract(doc);
    let texts: Vec<&str> = cmds.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["autoclose run scenarios/x.toml --force", "autoclose sweep a.toml --vary k=1,2   # trailing", "cargo test"]
    );
    assert_eq!(cmds[1].line, 4);
    assert_eq!(problems, ["line 12: a fenced block without a tag (sh, text, toml, ...)"]);
}
