//! `nwf explain CODE`: the long description of a diagnostic code.

use nwf_syntax::Code;

use crate::Outcome;

/// Print the long description of a diagnostic code.
///
/// Exit status: 0 shown, 2 an unknown code or a usage error.
///
/// Examples:
///   nwf explain NWF001
///   nwf explain --list
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The code, e.g. NWF001 (case-insensitive).
    #[arg(required_unless_present = "list")]
    code: Option<String>,
    /// List every code with its title.
    #[arg(long)]
    list: bool,
}

pub fn run(args: &Args) -> Outcome {
    if args.list {
        for code in Code::ALL {
            println!(
                "{code}  {:<7}  {}",
                code.default_severity().as_str(),
                code.title()
            );
        }
        return Outcome::Clean;
    }
    let text = args.code.as_deref().unwrap_or_default();
    let Some(code) = Code::parse(text) else {
        eprintln!("nwf explain: unknown code '{text}' (try `nwf explain --list`)");
        return Outcome::Failure;
    };
    println!("{code}: {}\n", code.title());
    println!("Default severity: {}\n", code.default_severity().as_str());
    println!("{}", code.explanation());
    Outcome::Clean
}
