//! `nwf convert --to xml|nwf FILE`: one form to the other, through the IR.

use std::path::PathBuf;

use nwf_syntax::ir::Item;
use nwf_syntax::xml::WriteOptions;

use crate::render::{self, Format};
use crate::sources::{self, Sources};
use crate::{Outcome, front_end};

/// Convert a filter file between libvirt XML and the text form.
///
/// The output is the canonical form: for XML, exactly what libvirt writes
/// (explicit defaults, normalised values), except that source comments are
/// kept unless --strip-comments is given.
///
/// Examples:
///   nwf convert --to xml no-arp-spoofing.xml          # canonicalise
///   nwf convert --to xml --strip-comments f.xml       # byte-identical to libvirt
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The target form.
    #[arg(long, value_enum)]
    to: Target,
    /// Drop source comments (libvirt's own writer drops them).
    #[arg(long)]
    strip_comments: bool,
    /// The file to convert.
    file: PathBuf,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Target {
    /// libvirt's XML.
    Xml,
}

pub fn run(args: &Args) -> Outcome {
    let text = match sources::read(&args.file) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("nwf convert: {message}");
            return Outcome::Failure;
        }
    };
    let mut sources = Sources::default();
    let file = sources.add(args.file.clone(), text);
    let source = sources.get(file).expect("just added");
    let (document, diagnostics) = front_end::parse(file, &source.path, &source.text);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        // Converting a broken file would silently drop what did not parse.
        let _ = render::print(&sources, &errors, Format::Human);
        eprintln!("nwf convert: {} has errors; nothing converted", args.file.display());
        return Outcome::Findings;
    }
    let options = WriteOptions {
        strip_comments: args.strip_comments,
    };
    match args.to {
        Target::Xml => {
            let mut first = true;
            for item in &document.items {
                if matches!(item, Item::Comment(_)) {
                    continue;
                }
                if !first {
                    println!();
                }
                first = false;
                print!("{}", nwf_syntax::xml::write_xml(item, &options));
            }
        }
    }
    Outcome::Clean
}
