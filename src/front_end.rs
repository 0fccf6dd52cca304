//! Chooses the front end for a file by its extension: `.nwf` is the text
//! language, anything else is libvirt XML.

use std::path::Path;

use nwf_syntax::ir::Document;
use nwf_syntax::{Diagnostic, FileId};

pub fn is_text(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "nwf")
}

pub fn parse(file: FileId, path: &Path, text: &str) -> (Document, Vec<Diagnostic>) {
    if is_text(path) {
        nwf_syntax::text::parse_text(file, text)
    } else {
        nwf_syntax::xml::parse_xml(file, text)
    }
}
