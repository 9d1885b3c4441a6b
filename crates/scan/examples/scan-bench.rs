//! Benchmark driver: decodes each image given on the command line in this one process and
//! prints the scorer's input.
//!
//!     scan-bench [--times T.tsv] [--steps S.tsv] [--exhaustive] [--variants a,b,...] FILE...
//!
//! stdout: `FILE<TAB>payload<TAB>...` (non-UTF-8 payloads as ISO-8859-1 characters).
//! `--times`: `FILE<TAB>cpu_ms<TAB>wall_ms`, CPU time of this thread for reading, decoding the
//! image format and scanning (process start-up is not counted).
//! `--steps`: `FILE<TAB>variant<TAB>ms<TAB>new<TAB>pending<TAB>payloads decoded...` per step run.
//! `--exhaustive`: run every variant (also those not shipped) whatever was found, to see which
//! variant reads what.

use std::io::Write;
use std::time::Instant;

use twofold_scan::pipeline::{scan_with, Plan, VariantKind};
use twofold_scan::{decode_image, luma_from_image, Limits};

fn cpu_ms() -> f64 {
    twofold_scan::thread_cpu_time()
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut files = Vec::new();
    let (mut times, mut steps, mut plan) = (None, None, Plan::default());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--times" => times = args.next(),
            "--steps" => steps = args.next(),
            "--exhaustive" => {
                plan.exhaustive = true;
                plan.variants = VariantKind::ALL.to_vec();
            }
            "--variants" => {
                let list = args.next().unwrap_or_default();
                plan.variants = list
                    .split(',')
                    .filter_map(|n| VariantKind::ALL.iter().copied().find(|v| v.name() == n))
                    .collect();
            }
            _ => files.push(a),
        }
    }
    let mut times = times.map(|p| std::fs::File::create(p).expect("times file"));
    let mut steps = steps.map(|p| std::fs::File::create(p).expect("steps file"));
    let limits = Limits::default();
    let mut out = std::io::stdout().lock();
    for f in files {
        let (c0, w0) = (cpu_ms(), Instant::now());
        let res = std::fs::read(&f)
            .map_err(|e| e.to_string())
            .and_then(|b| decode_image(&b, &limits).map_err(|e| e.to_string()))
            .and_then(|img| luma_from_image(&img, &limits).map_err(|e| e.to_string()))
            .map(|luma| scan_with(&luma, &limits, w0, &plan));
        let (cpu, wall) = (cpu_ms() - c0, w0.elapsed().as_secs_f64() * 1000.0);
        let name = std::path::Path::new(&f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(f.clone());
        match res {
            Ok(report) => {
                let mut line = f.clone();
                for c in &report.codes {
                    line.push('\t');
                    line.push_str(&c.text_lossless().replace(['\t', '\n'], " "));
                }
                writeln!(out, "{line}").unwrap();
                if let Some(s) = steps.as_mut() {
                    for st in &report.steps {
                        let mut l = format!(
                            "{name}\t{}\t{:.2}\t{}\t{}",
                            st.variant.name(),
                            st.elapsed.as_secs_f64() * 1000.0,
                            st.new,
                            st.pending
                        );
                        for p in &st.decoded {
                            l.push('\t');
                            l.push_str(&String::from_utf8_lossy(p).replace(['\t', '\n'], " "));
                        }
                        writeln!(s, "{l}").unwrap();
                    }
                }
            }
            Err(e) => {
                writeln!(out, "{f}").unwrap();
                eprintln!("{f}: {e}");
            }
        }
        if let Some(t) = times.as_mut() {
            writeln!(t, "{name}\t{cpu:.3}\t{wall:.3}").unwrap();
        }
    }
}
