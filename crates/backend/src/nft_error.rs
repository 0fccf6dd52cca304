//! Mapping `nft`'s error messages for a script back to the filter rules the
//! offending lines were made from.
//!
//! `nft -f` reports `FILE:LINE:COL-COL: Error: MESSAGE`; the script's line
//! origins come from [`crate::nft::print_tables_traced`]. This module only
//! reads text; running `nft` is the CLI's business.

use nwf_syntax::{Code, Diagnostic};

use crate::nft::Origin;

/// One error line of `nft`'s output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftError {
    /// 1-based line of the script, when nft gave one.
    pub line: Option<usize>,
    pub message: String,
    /// The filter rule that line came from, if it came from one.
    pub origin: Option<Origin>,
}

impl NftError {
    /// A diagnostic at the filter rule, when the line came from one.
    pub fn to_diagnostic(&self) -> Option<Diagnostic> {
        let origin = self.origin?;
        Some(
            Diagnostic::new(
                Code::NftRefused,
                origin.file,
                origin.span,
                format!(
                    "the kernel refused the rule made from this filter rule: {}",
                    self.message
                ),
            )
            .with_label("refused by nft"),
        )
    }
}

/// The errors in `stderr`, each with its script line's origin.
pub fn parse(stderr: &str, origins: &[Option<Origin>]) -> Vec<NftError> {
    stderr
        .lines()
        .filter_map(|line| {
            let (location, message) = line.split_once(": Error: ")?;
            // LOCATION is NAME:LINE:COLS; NAME may itself contain ':'.
            let mut parts = location.rsplitn(3, ':');
            let _columns = parts.next();
            let line_number = parts.next().and_then(|text| text.parse::<usize>().ok());
            let origin = line_number
                .filter(|number| *number > 0)
                .and_then(|number| origins.get(number - 1).copied().flatten());
            Some(NftError {
                line: line_number,
                message: message.trim().to_owned(),
                origin,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nwf_syntax::{FileId, Span};

    #[test]
    fn errors_point_at_the_rule_their_line_came_from() {
        let origin = Origin {
            file: FileId(3),
            span: Span::new(10, 20),
        };
        let origins = vec![None, Some(origin)];
        let stderr = "/tmp/x.nft:2:30-37: Error: Could not process rule: Protocol error\n\
                      add rule bridge nwf c ct state new drop\n\
                      internal:0:0-0: Error: Parsing command array at index 3 failed.\n";
        let errors = parse(stderr, &origins);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, Some(2));
        assert_eq!(errors[0].origin, Some(origin));
        assert_eq!(errors[0].message, "Could not process rule: Protocol error");
        let diagnostic = errors[0].to_diagnostic().expect("has an origin");
        assert_eq!(diagnostic.code, Code::NftRefused);
        assert_eq!(diagnostic.span(), Span::new(10, 20));
        assert_eq!(errors[1].origin, None);
        assert!(errors[1].to_diagnostic().is_none());
    }
}
