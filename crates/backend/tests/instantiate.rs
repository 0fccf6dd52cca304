//! Instantiation cases: each folder of `tests/instantiate/` holds one
//! `<filterbinding>` and the filters it needs. The harness instantiates the
//! binding and snapshots the diagnostics, the concrete rules, and the
//! interface's nftables chains. Every emitted script must also keep nwf's
//! structure (exactly the two nwf tables, whatever the values) and, when we
//! are root, be accepted by `nft -c` in a fresh network namespace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nwf_backend::instantiate::{Source, instantiate_binding};
use nwf_backend::ruleset::{self, Port};
use nwf_backend::translate::translate;
use nwf_syntax::ir::{Document, Item};
use nwf_syntax::{FileId, LineIndex};

struct Case {
    files: Vec<(String, String, Document)>,
}

impl Case {
    fn load(dir: &Path) -> Case {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("case folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        paths.sort();
        let files = paths
            .iter()
            .enumerate()
            .map(|(idx, path)| {
                let text = std::fs::read_to_string(path).expect("readable");
                let file = FileId(u32::try_from(idx).expect("few files"));
                let (document, diagnostics) = nwf_syntax::xml::parse_xml(file, &text);
                assert!(
                    diagnostics.iter().all(|d| !d.is_error()),
                    "{}: {diagnostics:?}",
                    path.display()
                );
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                (name, text, document)
            })
            .collect();
        Case { files }
    }

    fn lookup(&self, name: &str) -> Option<Source<'_>> {
        self.files
            .iter()
            .enumerate()
            .find_map(|(idx, (_, _, document))| {
                document
                    .filters()
                    .find(|filter| filter.name.value == name)
                    .map(|filter| Source {
                        file: FileId(u32::try_from(idx).expect("few files")),
                        filter,
                    })
            })
    }

    fn position(&self, file: FileId, offset: u32) -> String {
        let (name, text, _) = &self.files[file.0 as usize];
        let at = LineIndex::new(text).line_col(offset as usize);
        format!("{name}:{}:{}", at.line + 1, at.col + 1)
    }
}

fn render(case: &Case) -> (String, Option<String>) {
    let (binding_idx, binding) = case
        .files
        .iter()
        .enumerate()
        .find_map(|(idx, (_, _, document))| {
            document.items.iter().find_map(|item| match item {
                Item::Binding(binding) => Some((idx, binding)),
                _ => None,
            })
        })
        .expect("a case has a binding");
    let binding_file = FileId(u32::try_from(binding_idx).expect("few files"));
    let result = instantiate_binding(binding, binding_file, |name| case.lookup(name));
    let (chains, more) = translate(&result.instance, binding_file, binding.portdev.span);
    let mut out = String::new();
    out.push_str("## diagnostics\n");
    for diagnostic in result.diagnostics.iter().chain(&more) {
        let _ = writeln!(
            out,
            "{} {} at {}: {}",
            diagnostic.code,
            diagnostic.severity.as_str(),
            case.position(diagnostic.file(), diagnostic.span().start),
            diagnostic.message
        );
    }
    out.push_str("## rules\n");
    for rule in &result.instance.rules {
        let attrs: Vec<String> = rule
            .attrs
            .iter()
            .map(|attr| {
                let kind = rule
                    .protocol
                    .and_then(|protocol| protocol.attr(attr.attr))
                    .map_or(nwf_syntax::ir::ValueKind::Comment, |spec| spec.kind);
                let op = if attr.negated { "!=" } else { "=" };
                format!(
                    "{}{op}{}",
                    attr.attr,
                    nwf_syntax::values::format_value(kind, &attr.value)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "{} chain={}({}) priority={} {} {} {} {}",
            rule.filter,
            rule.chain,
            rule.chain_priority,
            rule.priority,
            rule.direction.as_str(),
            rule.action.as_str(),
            rule.protocol.map_or("-", |protocol| protocol.as_str()),
            attrs.join(" ")
        );
    }
    out.push_str("## chains\n");
    let ports = [Port { id: 1, chains }];
    let tables = ruleset::tables(&ports);
    for table in &tables {
        for chain in table.chains.iter().filter(|chain| chain.base.is_none()) {
            let _ = writeln!(out, "{} {}:", table.family.as_str(), chain.name);
            for rule in &chain.rules {
                let _ = writeln!(out, "    {rule}");
            }
        }
    }
    let clean = !result.has_errors() && more.iter().all(|d| !d.is_error());
    (out, clean.then(|| ruleset::apply_script(&ports)))
}

/// The script's top-level structure: `table` lines, and anything that is
/// neither inside a table nor one of the leading add/delete commands.
fn check_structure(script: &str) {
    let tables: Vec<&str> = script
        .lines()
        .filter(|line| line.starts_with("table "))
        .collect();
    assert_eq!(tables, ["table bridge nwf {", "table inet nwf {"]);
    let top_level_closers = script.lines().filter(|line| *line == "}").count();
    assert_eq!(
        top_level_closers, 2,
        "exactly two blocks close at top level"
    );
    for line in script.lines() {
        let quotes = line.matches('"').count();
        assert!(quotes % 2 == 0, "unbalanced quotes in {line:?}");
    }
}

fn nft_check(script: &str) -> Option<Result<(), String>> {
    let path = std::env::temp_dir().join(format!(
        "nwf-inst-{}-{}.nft",
        std::process::id(),
        script.len()
    ));
    std::fs::write(&path, script).ok()?;
    let output = Command::new("unshare")
        .args(["--net", "nft", "-c", "-f"])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if stderr.contains("Operation not permitted") {
        return None;
    }
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(stderr)
    })
}

#[test]
fn instantiate_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/instantiate");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("cases folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    for dir in dirs {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let case = Case::load(&dir);
        let (text, script) = render(&case);
        insta::assert_snapshot!(name.as_str(), text);
        if let Some(script) = script {
            check_structure(&script);
            match nft_check(&script) {
                Some(Ok(())) => {}
                Some(Err(error)) => panic!("{name}: nft -c refused the script: {error}"),
                None => {
                    assert!(!in_ci, "CI=true but nft -c cannot run (root needed)");
                    eprintln!("{name}: nft -c skipped (needs root)");
                }
            }
        }
    }
}
