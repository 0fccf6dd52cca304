//! Chooses the front end for a file by its extension: `.nwf` is the text
//! language, anything else is libvirt XML (`nwf_syntax::workspace::parse`).

use std::path::Path;

use nwf_syntax::ir::Document;
use nwf_syntax::{Diagnostic, FileId};

pub fn parse(file: FileId, path: &Path, text: &str) -> (Document, Vec<Diagnostic>) {
    nwf_syntax::workspace::parse(file, path, text)
}
