//! Comparing the two backends' verdicts for one case, and the report: per
//! case a line, and a table of every probe on which they differ.
//!
//! A probe that does not pass the control run (no filter at all) on either
//! side is excluded: it says nothing about filtering.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::backend::{SideRun, Verdicts};
use crate::case::Case;

/// One row of a case's table: the probe (or `binding`) and each side's
/// outcome.
pub struct Difference {
    pub probe: String,
    pub libvirt: String,
    pub nwf: String,
}

pub struct Comparison {
    pub compared: usize,
    pub excluded: Vec<String>,
    pub differences: Vec<Difference>,
}

fn excluded(order: &[String], libvirt: &Verdicts, nwf: &Verdicts) -> Vec<String> {
    order
        .iter()
        .filter(|id| {
            [libvirt, nwf]
                .iter()
                .any(|side| side.get(*id).is_none_or(|v| v.verdict != "pass"))
        })
        .cloned()
        .collect()
}

fn refusal(message: &str) -> String {
    let line = message.lines().last().unwrap_or("").trim();
    let short: String = line.chars().take(120).collect();
    format!("refused: {short}")
}

pub fn compare(order: &[String], libvirt: &SideRun, nwf: &SideRun) -> Comparison {
    let excluded = excluded(order, &libvirt.control, &nwf.control);
    let mut differences = Vec::new();
    let mut compared = 0;
    match (&libvirt.bind, &nwf.bind) {
        (Ok(()), Ok(())) => {
            let empty = Verdicts::new();
            let lv = libvirt.filtered.as_ref().unwrap_or(&empty);
            let nv = nwf.filtered.as_ref().unwrap_or(&empty);
            for id in order.iter().filter(|id| !excluded.contains(id)) {
                compared += 1;
                let show = |side: &Verdicts| {
                    side.get(id).map_or("missing".to_owned(), |v| {
                        format!("{} ({})", v.verdict, v.detail)
                    })
                };
                let same = match (lv.get(id), nv.get(id)) {
                    (Some(a), Some(b)) => a.verdict == b.verdict,
                    _ => false,
                };
                if !same {
                    differences.push(Difference {
                        probe: id.clone(),
                        libvirt: show(lv),
                        nwf: show(nv),
                    });
                }
            }
        }
        (Err(_), Err(_)) => {}
        (lv, nv) => differences.push(Difference {
            probe: "binding".to_owned(),
            libvirt: lv
                .as_ref()
                .map_or_else(|e| refusal(e), |()| "ok".to_owned()),
            nwf: nv
                .as_ref()
                .map_or_else(|e| refusal(e), |()| "ok".to_owned()),
        }),
    }
    Comparison {
        compared,
        excluded,
        differences,
    }
}

/// The report of one case: a summary line and, if they differ, the table.
pub fn render(case: &Case, comparison: &Comparison, seconds: f64) -> String {
    let mut out = String::new();
    let status = if comparison.differences.is_empty() {
        format!("{} probes agree", comparison.compared)
    } else {
        format!(
            "{} of {} probes DIFFER",
            comparison.differences.len(),
            comparison.compared
        )
    };
    let _ = write!(out, "case {}: {status}", case.name);
    if !comparison.excluded.is_empty() {
        let _ = write!(out, ", excluded {}", comparison.excluded.join(" "));
    }
    let _ = writeln!(out, " [{}] ({seconds:.1} s)", case.summary());
    if !comparison.differences.is_empty() {
        let width = comparison
            .differences
            .iter()
            .map(|row| row.probe.len())
            .max()
            .unwrap_or(0)
            .max(5);
        let lv_width = comparison
            .differences
            .iter()
            .map(|row| row.libvirt.len())
            .max()
            .unwrap_or(0)
            .max(7);
        let _ = writeln!(out, "  {:width$}  {:lv_width$}  nwf", "probe", "libvirt");
        for row in &comparison.differences {
            let _ = writeln!(
                out,
                "  {:width$}  {:lv_width$}  {}",
                row.probe, row.libvirt, row.nwf
            );
        }
    }
    out
}

/// Both sides' outcomes as JSON, for `NWF_DIFFERENTIAL_OUT`.
pub fn to_json(case: &Case, libvirt: &SideRun, nwf: &SideRun, comparison: &Comparison) -> Value {
    let side = |run: &SideRun| {
        let verdicts = |verdicts: &Verdicts| -> Value {
            verdicts
                .iter()
                .map(|(id, v)| (id.clone(), json!(v.verdict)))
                .collect::<serde_json::Map<String, Value>>()
                .into()
        };
        json!({
            "bind": run.bind.as_ref().map_or_else(|e| json!({"refused": e}), |()| json!("ok")),
            "control": verdicts(&run.control),
            "probes": run.filtered.as_ref().map(verdicts),
        })
    };
    json!({
        "case": case.name,
        "filter": case.filter,
        "params": case.params,
        "excluded": comparison.excluded,
        "differences": comparison.differences.iter().map(|row| &row.probe).collect::<Vec<_>>(),
        "libvirt": side(libvirt),
        "nwf": side(nwf),
    })
}
