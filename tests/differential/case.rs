//! One differential case: a file `cases/NAME.case` naming the filter to bind
//! to the filtered guest's port and its parameters.
//!
//! ```text
//! # comment lines say what the case is for
//! filter clean-traffic
//! IP = 10.0.0.2
//! IP = 10.0.0.5
//! ```
//!
//! Repeating a parameter makes a list, as in libvirt. `MAC` comes from the
//! binding's `<mac>`; `CTRL_IP_LEARNING=none` is added unless the case gives
//! it, so libvirt never starts its asynchronous address learning. This module
//! only reads cases and writes the `<filterbinding>` both backends get; it
//! runs nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub filter: String,
    pub params: Vec<(String, String)>,
}

impl Case {
    pub fn parse(name: &str, text: &str) -> Result<Case, String> {
        let mut filter = None;
        let mut params = Vec::new();
        for (idx, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |what: &str| format!("{name}.case:{}: {what}", idx + 1);
            if let Some(rest) = line.strip_prefix("filter ") {
                if filter.replace(rest.trim().to_owned()).is_some() {
                    return Err(at("a second `filter` line"));
                }
            } else if let Some((key, value)) = line.split_once('=') {
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() || value.is_empty() || key.contains(char::is_whitespace) {
                    return Err(at("expected `NAME = VALUE`"));
                }
                params.push((key.to_owned(), value.to_owned()));
            } else {
                return Err(at("expected `filter NAME` or `NAME = VALUE`"));
            }
        }
        let filter = filter.ok_or_else(|| format!("{name}.case: no `filter` line"))?;
        if !params.iter().any(|(key, _)| key == "CTRL_IP_LEARNING") {
            params.push(("CTRL_IP_LEARNING".to_owned(), "none".to_owned()));
        }
        Ok(Case {
            name: name.to_owned(),
            filter,
            params,
        })
    }

    /// Every `*.case` file of `dir`, sorted by name.
    pub fn load_all(dir: &Path) -> Result<Vec<Case>, String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|error| format!("{}: {error}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "case"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| {
                let name = path
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .ok_or_else(|| format!("{}: not a UTF-8 name", path.display()))?;
                let text = std::fs::read_to_string(path)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                Case::parse(name, &text)
            })
            .collect()
    }

    /// The `<filterbinding>` of this case on `port` with `mac`: the one file
    /// both backends are given.
    pub fn binding_xml(&self, port: &str, mac: &str) -> String {
        let mut xml = String::from("<filterbinding>\n  <owner>\n");
        let _ = writeln!(xml, "    <name>differential-{port}</name>");
        xml.push_str("    <uuid>0d1f2e3c-4b5a-4697-8877-6655443322aa</uuid>\n  </owner>\n");
        let _ = writeln!(xml, "  <portdev name='{}'/>", escape(port));
        let _ = writeln!(xml, "  <mac address='{}'/>", escape(mac));
        let _ = writeln!(xml, "  <filterref filter='{}'>", escape(&self.filter));
        for (key, value) in &self.params {
            let _ = writeln!(
                xml,
                "    <parameter name='{}' value='{}'/>",
                escape(key),
                escape(value)
            );
        }
        xml.push_str("  </filterref>\n</filterbinding>\n");
        xml
    }

    /// `filter NAME=VALUE ...`, for the report.
    pub fn summary(&self) -> String {
        let mut line = self.filter.clone();
        for (key, value) in &self.params {
            let _ = write!(line, " {key}={value}");
        }
        line
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}
