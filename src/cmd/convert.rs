//! `nwf convert --to xml|nwf FILE [-o DIR]`: one form to the other, through
//! the IR.
//!
//! An XML document holds one filter or binding, a text file any number, so
//! text with several of them converts to one XML document each: files with
//! `-o DIR` (`NAME.xml` per filter, `PORTDEV.binding.xml` per binding), or
//! on stdout each under a `==> NAME.xml <==` header line.
//!
//! Before writing anything it asks `nwf_syntax::lossless` what the
//! conversion would lose, and refuses (exit 1, NWF903) unless `--lossy`.

use std::path::{Path, PathBuf};

use nwf_syntax::ir::{Document, Item};
use nwf_syntax::lossless::{self, Form, Source};
use nwf_syntax::xml::{WriteOptions, write_binding, write_filter, write_item};
use nwf_syntax::{Diagnostic, Workspace};

use crate::render::{self, Format};
use crate::{Outcome, files, front_end};

/// Convert a filter file between libvirt XML and the text form (.nwf).
///
/// The output is the canonical form: for XML, exactly what libvirt writes
/// (explicit defaults, normalised values), except that source comments are
/// kept unless --strip-comments is given; for the text form, what
/// `nwf fmt` prints. The input's form is chosen by its extension (.nwf is
/// text, anything else XML).
///
/// Nothing is lost without asking: an input with errors is refused, and so
/// is one whose conversion would drop content (an unknown element or
/// attribute, anything libvirt ignores, a chain priority 0 that libvirt's
/// XML leaves out, a libvirt <domain> or <interface> of which only the
/// filter bindings are read). The refusal (NWF903) lists every place;
/// --lossy converts anyway and warns about each. Comments that move are
/// not a loss.
///
/// A text file with several filters or bindings
/// converts to one XML document each: with -o DIR one NAME.xml per filter
/// and one PORTDEV.binding.xml per binding; on stdout each document follows
/// a `==> NAME.xml <==` header line.
///
/// Exit status: 0 converted, 1 the input has errors (nothing converted),
/// 2 usage or I/O errors.
///
/// Examples:
///   nwf convert --to xml no-arp-spoofing.xml          # canonicalise
///   nwf convert --to xml --strip-comments f.xml       # byte-identical to libvirt
///   nwf convert --to nwf /etc/libvirt/nwfilter/clean-traffic.xml
///   nwf convert --to xml -o out/ filters.nwf
///   nwf convert --to nwf --lossy domain.xml       # its bindings only
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The target form.
    #[arg(long, value_enum)]
    to: Target,
    /// Drop source comments (libvirt's own writer drops them).
    #[arg(long)]
    strip_comments: bool,
    /// Convert even when the result loses content (what the input says but
    /// nwf does not read, or the target form cannot hold); each loss is
    /// reported as a warning.
    #[arg(long)]
    lossy: bool,
    /// Write into this directory (created if missing) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,
    /// The file to convert.
    file: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// libvirt's XML.
    Xml,
    /// The nwf text form.
    Nwf,
}

pub fn run(args: &Args) -> Outcome {
    let text = match files::read(&args.file) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("nwf convert: {message}");
            return Outcome::Failure;
        }
    };
    let mut workspace = Workspace::default();
    let file = files::add_file(&mut workspace, args.file.clone(), text);
    let source = workspace.file(file);
    let diagnostics = source.parse_diagnostics();
    let form = if front_end::is_text(&args.file) {
        Form::Text
    } else {
        Form::Xml
    };
    let target = match args.to {
        Target::Xml => Form::Xml,
        Target::Nwf => Form::Text,
    };
    let lost = lossless::losses(
        &Source {
            file,
            text: source.text(),
            form,
            document: source.document(),
            diagnostics,
        },
        target,
    );
    let mut report: Vec<Diagnostic> = diagnostics.to_vec();
    if diagnostics.iter().any(Diagnostic::is_error) {
        // Converting a broken file would silently drop what did not parse;
        // --lossy does not cover errors (libvirt would refuse the input).
        let _ = render::print(&workspace, &report, Format::Human);
        eprintln!(
            "nwf convert: {} has errors; nothing converted",
            args.file.display()
        );
        return Outcome::Findings;
    }
    if !args.lossy {
        if let Some(refusal) = lossless::refusal(&lost) {
            report.push(refusal);
            let _ = render::print(&workspace, &report, Format::Human);
            eprintln!(
                "nwf convert: converting {} would lose content; nothing converted (--lossy converts anyway)",
                args.file.display()
            );
            return Outcome::Findings;
        }
    }
    report.extend(lossless::unreported_warnings(&lost));
    if !report.is_empty() {
        let _ = render::print(&workspace, &report, Format::Human);
    }
    let options = WriteOptions {
        strip_comments: args.strip_comments,
    };
    let document = source.document();
    let result = match (args.to, &args.output) {
        (Target::Nwf, None) => {
            print!("{}", text_form(document, &options));
            Ok(())
        }
        (Target::Nwf, Some(dir)) => {
            let stem = args
                .file
                .file_stem()
                .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
            write_files(
                dir,
                vec![(format!("{stem}.nwf"), text_form(document, &options))],
            )
        }
        (Target::Xml, None) => {
            let n_items = document.filters().count() + document.bindings().count();
            if n_items <= 1 {
                print!("{}", nwf_syntax::xml::write_xml(document, &options));
                Ok(())
            } else {
                // An XML document holds one filter or binding: print each as
                // its own document under a `==> NAME.xml <==` header line (as
                // `head` separates files), the names `-o DIR` would use.
                xml_files(document, &options).map(|outputs| {
                    for (idx, (name, xml)) in outputs.iter().enumerate() {
                        if idx > 0 {
                            println!();
                        }
                        println!("==> {name} <==");
                        print!("{xml}");
                    }
                })
            }
        }
        (Target::Xml, Some(dir)) => {
            xml_files(document, &options).and_then(|outputs| write_files(dir, outputs))
        }
    };
    match result {
        Ok(()) => Outcome::Clean,
        Err(message) => {
            eprintln!("nwf convert: {message}");
            Outcome::Failure
        }
    }
}

fn text_form(document: &Document, options: &WriteOptions) -> String {
    if options.strip_comments {
        let mut stripped = document.clone();
        stripped
            .items
            .retain(|item| !matches!(item, Item::Comment(_)));
        for item in &mut stripped.items {
            if let Item::Filter(filter) = item {
                filter
                    .entries
                    .retain(|entry| !matches!(entry, nwf_syntax::ir::Entry::Comment(_)));
            }
        }
        nwf_syntax::text::print_text(&stripped)
    } else {
        nwf_syntax::text::print_text(document)
    }
}

/// One XML document per filter and binding; top-level comments go with the
/// item below them (trailing ones with the last item).
fn xml_files(document: &Document, options: &WriteOptions) -> Result<Vec<(String, String)>, String> {
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut pending = String::new();
    for item in &document.items {
        let (name, body) = match item {
            Item::Comment(_) => {
                pending.push_str(&write_item(item, options));
                continue;
            }
            Item::Filter(filter) => (
                format!("{}.xml", filter.name.value),
                write_filter(filter, options),
            ),
            Item::Binding(binding) => (
                format!("{}.binding.xml", binding.portdev.value),
                write_binding(binding),
            ),
        };
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("cannot name a file after `{name}`"));
        }
        if outputs.iter().any(|(seen, _)| *seen == name) {
            return Err(format!("two items would be written to {name}"));
        }
        outputs.push((name, std::mem::take(&mut pending) + &body));
    }
    if let Some((_, last)) = outputs.last_mut() {
        last.push_str(&pending);
    }
    Ok(outputs)
}

fn write_files(dir: &Path, outputs: Vec<(String, String)>) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for (name, body) in outputs {
        let path = dir.join(&name);
        std::fs::write(&path, body).map_err(|err| format!("{}: {err}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
