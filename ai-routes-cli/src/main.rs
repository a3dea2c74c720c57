//! `ai-routes`: inspect the Bedrock model catalog.
//!
//! ```text
//! ai-routes models [--json] [--provider P] [--tool-use] [--active]
//! ai-routes models show <ID | PROFILE-ID | ARN | NAME> [--json]
//! ```
//!
//! Exit codes: 0 success, 2 usage error or unknown model.

use std::io::Write;
use std::process::ExitCode;

use ai_routes_cli::{model_json, models_json, render_show, render_table, show_lookup, Filter};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ai-routes",
    version,
    about = "ai-routes tooling: Bedrock model catalog"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the Bedrock models in the catalog (or `show` one).
    Models(ModelsArgs),
}

#[derive(Args)]
struct ModelsArgs {
    #[command(subcommand)]
    action: Option<ModelsAction>,
    /// Print a JSON array with every field instead of a table.
    #[arg(long)]
    json: bool,
    /// Only models of this provider (e.g. Anthropic, Amazon, Meta).
    #[arg(long)]
    provider: Option<String>,
    /// Only models with tool use.
    #[arg(long)]
    tool_use: bool,
    /// Only active models (no EOL, legacy or uncertain ones).
    #[arg(long)]
    active: bool,
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Read the Bedrock control plane of your AWS account (default credential chain) and
    /// write the overlay the route macros read: new models become usable by name, and a
    /// model the account has no access to in a region is a compile error there.
    Sync {
        /// A region to read; repeat for several (default: AWS_REGION).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Where to write the overlay (check it into your repository).
        #[arg(long, default_value = ai_routes_catalog::OVERLAY_FILE)]
        out: std::path::PathBuf,
        /// Another control-plane endpoint (e.g. the local stand-in).
        #[arg(long)]
        endpoint_url: Option<String>,
    },
    /// Show one model in detail: capabilities, Regions, profiles, prices.
    Show {
        /// A model ID, inference profile ID, ARN or (friendly) name.
        model: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn print(s: &str) -> ExitCode {
    // Ignore broken pipes (e.g. `ai-routes models | head`).
    let _ = std::io::stdout().write_all(s.as_bytes());
    ExitCode::SUCCESS
}

fn write_overlay(
    path: &std::path::Path,
    overlay: &ai_routes_catalog::Overlay,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, overlay.to_json() + "\n")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Models(args) => match args.action {
            Some(ModelsAction::Sync {
                mut regions,
                out,
                endpoint_url,
            }) => {
                if regions.is_empty() {
                    regions.extend(std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()));
                }
                let options = ai_routes_cli::SyncOptions {
                    regions,
                    endpoint_url,
                };
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime");
                match runtime.block_on(ai_routes_cli::sync(&options)) {
                    Ok(overlay) => match write_overlay(&out, &overlay) {
                        Ok(()) => print(&format!(
                            "wrote {} ({} models in {})\n",
                            out.display(),
                            overlay
                                .regions
                                .values()
                                .map(|r| r.models.len())
                                .sum::<usize>(),
                            overlay
                                .regions
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        Err(error) => {
                            eprintln!("error: cannot write {}: {error}", out.display());
                            ExitCode::FAILURE
                        }
                    },
                    Err(error) => {
                        eprintln!("error: {error}");
                        ExitCode::FAILURE
                    }
                }
            }
            Some(ModelsAction::Show { model, json }) => match show_lookup(&model) {
                Ok(r) if json => print(&format!("{:#}\n", model_json(r.model))),
                Ok(r) => print(&render_show(&r)),
                Err(msg) => {
                    eprintln!("error: {msg}");
                    ExitCode::from(2)
                }
            },
            None => {
                let filter = Filter {
                    provider: args.provider,
                    tool_use: args.tool_use,
                    active: args.active,
                };
                let list = filter.apply();
                if args.json {
                    print(&format!("{:#}\n", models_json(&list)))
                } else {
                    print(&render_table(&list))
                }
            }
        },
    }
}
