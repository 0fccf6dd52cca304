//! Golden test: every filter of libvirt's `tests/nwfilterxml2firewalldata`,
//! instantiated for `vnet0` with the variables libvirt's harness passes,
//! printed as an `nft -f` script (one insta snapshot per case, diagnostics
//! included); every script is loaded into a fresh network namespace, and
//! the JSON form of the same ruleset must load to an identical listing.
//!
//! The corpus is read in place from `<repo>/../shared/reference/libvirt`
//! (or `$NWF_LIBVIRT_REF`). Missing corpus or missing root: the test says it
//! is skipped, and fails when `CI=true`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nwf_backend::instantiate::{Source, Vars, instantiate_filter};
use nwf_backend::ruleset::{self, Port};
use nwf_backend::translate::translate;
use nwf_syntax::ir::Document;
use nwf_syntax::{FileId, Span};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

fn corpus_dir() -> Option<PathBuf> {
    let root = std::env::var_os("NWF_LIBVIRT_REF").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/libvirt"),
        PathBuf::from,
    );
    let dir = root.join("tests/nwfilterxml2firewalldata");
    dir.is_dir().then_some(dir)
}

fn skip(reason: &str) {
    assert!(!in_ci(), "CI=true but the test cannot run: {reason}");
    eprintln!("skipped: {reason}");
}

/// libvirt's harness variables (tests/nwfilterxml2firewalltest.c).
fn harness_vars() -> Vars {
    let list = |values: &[&str]| {
        values
            .iter()
            .map(|value| (*value).to_owned())
            .collect::<Vec<_>>()
    };
    BTreeMap::from([
        ("IPSETNAME".to_owned(), list(&["tck_test"])),
        (
            "A".to_owned(),
            list(&["1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"]),
        ),
        ("B".to_owned(), list(&["80", "90", "80", "80"])),
        ("C".to_owned(), list(&["1080", "1090", "1100", "1110"])),
    ])
}

struct Corpus {
    /// File stem -> (file id, document).
    docs: BTreeMap<String, (FileId, Document)>,
}

fn load(dir: &Path) -> Corpus {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    paths.sort();
    let mut docs = BTreeMap::new();
    for (idx, path) in paths.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("corpus file is UTF-8");
        let file = FileId(u32::try_from(idx).expect("few files"));
        let (document, diagnostics) = nwf_syntax::xml::parse_xml(file, &text);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        docs.insert(stem, (file, document));
    }
    Corpus { docs }
}

impl Corpus {
    /// A `filterref` names the file `NAME.xml` in the folder, as in libvirt's test.
    fn lookup(&self, name: &str) -> Option<Source<'_>> {
        let (file, document) = self.docs.get(name)?;
        document.filters().next().map(|filter| Source {
            file: *file,
            filter,
        })
    }
}

fn render(corpus: &Corpus, stem: &str) -> (String, String, String) {
    let root = corpus.lookup(stem).expect("case has a filter");
    let result = instantiate_filter(root, harness_vars(), "vnet0", |name| corpus.lookup(name));
    let (chains, translate_diagnostics) = translate(&result.instance, FileId(0), Span::default());
    let mut text = String::new();
    for diagnostic in result.diagnostics.iter().chain(&translate_diagnostics) {
        let _ = writeln!(
            text,
            "# {} {}: {} ({})",
            diagnostic.code,
            diagnostic.severity.as_str(),
            diagnostic.message,
            diagnostic.span()
        );
    }
    let ports = [Port { id: 1, chains }];
    let tables = nwf_backend::nft::print_tables(&ruleset::tables(&ports));
    text.push_str(&tables);
    (
        text,
        ruleset::apply_script(&ports),
        ruleset::apply_json(&ports).to_string(),
    )
}

/// Loads `script` (text, or JSON with `-j`) into a fresh network namespace
/// and lists the ruleset back. `Ok(Ok(listing))`: accepted;
/// `Ok(Err(error))`: refused; `Err`: nft could not be run at all.
fn nft_load(script: &str, json: bool) -> Result<Result<String, String>, String> {
    let path = std::env::temp_dir().join(format!("nwf-golden-{}-{json}.nft", std::process::id()));
    std::fs::write(&path, script).map_err(|error| error.to_string())?;
    let flag = if json { "-j " } else { "" };
    let output = Command::new("unshare")
        .args(["--net", "sh", "-c"])
        .arg(format!("nft {flag}-f \"$0\" && nft list ruleset"))
        .arg(&path)
        .output()
        .map_err(|error| format!("cannot run unshare/nft: {error}"))?;
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() && stderr.contains("Operation not permitted") {
        return Err(stderr);
    }
    Ok(if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(stderr)
    })
}

#[test]
fn firewall_golden() {
    let Some(dir) = corpus_dir() else {
        skip("libvirt reference corpus not found");
        return;
    };
    let corpus = load(&dir);
    let mut check_available = true;
    let mut refused = Vec::new();
    for stem in corpus.docs.keys() {
        let (text, script, json) = render(&corpus, stem);
        insta::assert_snapshot!(stem.as_str(), text);
        if !check_available {
            continue;
        }
        // The kernel must accept the text, and the JSON form must load to
        // exactly the same ruleset.
        match (nft_load(&script, false), nft_load(&json, true)) {
            (Ok(Ok(from_text)), Ok(Ok(from_json))) => {
                if from_text != from_json {
                    refused.push(format!(
                        "{stem}: JSON and text differ:\n{from_text}\n---\n{from_json}"
                    ));
                }
            }
            (Ok(Err(error)), _) => refused.push(format!("{stem}: text refused: {error}")),
            (_, Ok(Err(error))) => refused.push(format!("{stem}: JSON refused: {error}")),
            (Err(reason), _) | (_, Err(reason)) => {
                skip(&format!("loading rulesets needs root and nft: {reason}"));
                check_available = false;
            }
        }
    }
    assert!(
        refused.is_empty(),
        "nft -c refused:\n{}",
        refused.join("\n")
    );
}
