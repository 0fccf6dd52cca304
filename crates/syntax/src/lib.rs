//! nwf-syntax: the front ends (libvirt XML, the `.nwf` text language), the IR
//! they both lower into, the diagnostics model, and workspace analysis.
//!
//! Nothing here prints, spawns processes, or knows about terminals or LSP.

pub mod diagnostic;
pub mod ir;
pub mod lossless;
pub mod navigate;
pub mod reference;
pub mod span;
pub mod stock;
pub mod text;
pub mod values;
pub mod workspace;
pub mod xml;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use span::{FileId, LineIndex, Span, Spanned};
pub use workspace::Workspace;
