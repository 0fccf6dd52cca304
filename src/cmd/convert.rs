//! `nwf convert --to xml|nwf FILE`: one form to the other, through the IR.

use std::path::PathBuf;

use nwf_syntax::Workspace;
use nwf_syntax::xml::WriteOptions;

use crate::render::{self, Format};
use crate::{Outcome, files};

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
    let errors: Vec<_> = source
        .parse_diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        // Converting a broken file would silently drop what did not parse.
        let _ = render::print(&workspace, &errors, Format::Human);
        eprintln!(
            "nwf convert: {} has errors; nothing converted",
            args.file.display()
        );
        return Outcome::Findings;
    }
    let options = WriteOptions {
        strip_comments: args.strip_comments,
    };
    match args.to {
        Target::Xml => print!(
            "{}",
            nwf_syntax::xml::write_xml(source.document(), &options)
        ),
    }
    Outcome::Clean
}
