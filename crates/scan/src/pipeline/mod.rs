//! The decoding pipeline: which image variants are tried, with which decoder, and when to stop.
//!
//! 1. `grey` and `inverted` always run: `rxing`'s port of the zxing-cpp QR detector over the
//!    ZXing hybrid (8x8-block local) binarizer; the inverted pass flips that binarised image
//!    (as zxing-cpp's `tryInvert`) instead of binarising an inverted copy. Besides decoding,
//!    each pass lists the finder-pattern triples it saw; a triple that no decoded code covers is
//!    a *pending candidate*: a code that is probably there but was not read.
//! 2. The remaining steps (global Otsu threshold, and its flip, where the grey levels span a
//!    narrow range, unsharp mask, iterated unsharp mask against blur, 3x3 box filter against
//!    noise, 2x upscale with sharpening and a sharpened Lanczos 3x upscale for modules of 1-2 px)
//!    run, in order, only while nothing was found or a pending candidate remains, and only within
//!    the time budget. On images over 1 Mpx (pages, screens) the filters and the upscales run
//!    only on crops around the pending triples (at most six), and on images over 0.25 Mpx the
//!    upscales do; upscaling is skipped when every pending triple has modules of 3.5 px or more.
//!    Where such an image shows no triple at all and nothing was read, compact patches of dense
//!    one-pixel texture (`regions.rs`) stand in for triples: a code too small for the
//!    finder-pattern scan is upscaled from a crop around its patch.
//!
//! Payloads are de-duplicated across variants by their bytes; positions are mapped back to
//! the original image's coordinates and codes are returned in reading order.
//!
//! `docs/scanner.md` has the measurements behind the order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::common::{BitMatrix, DetectorRXingResult, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{BinaryBitmap, Luma8LuminanceSource};

use crate::preprocess as pp;

mod binarize;
mod passes;
mod regions;
mod variants;
use crate::{Limits, LumaImage, PayloadKind};
use variants::{run_on_crops, run_variant, MAX_CROPS};

/// Which QR decoder read a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoder {
    /// `rxing`: the zxing-cpp QR detector and decoder, ported to Rust.
    Rxing,
    /// `rqrr`: a port of quirc.
    Rqrr,
}

/// An image variant and the decoder run on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantKind {
    Grey,
    Inverted,
    Stretched,
    StretchedInverted,
    Upscaled2,
    Upscaled2Inverted,
    Upscaled3,
    Box3,
    Median3,
    Otsu,
    OtsuInverted,
    Adaptive,
    AdaptiveInverted,
    Downscaled2,
    RqrrGrey,
    RqrrOtsu,
    RqrrOtsuInverted,
    RqrrUpscaled2,
    Sharpened2,
    Sharpened3,
    Sharpened5,
    Upscaled2Sharpened,
    Deblurred,
    Upscaled3Lanczos,
}

impl VariantKind {
    /// Every variant, in the order the pipeline tries them.
    pub const ALL: &'static [VariantKind] = &[
        VariantKind::Grey,
        VariantKind::Inverted,
        VariantKind::Stretched,
        VariantKind::StretchedInverted,
        VariantKind::Upscaled2,
        VariantKind::Upscaled2Inverted,
        VariantKind::Box3,
        VariantKind::Median3,
        VariantKind::Otsu,
        VariantKind::OtsuInverted,
        VariantKind::Adaptive,
        VariantKind::AdaptiveInverted,
        VariantKind::Upscaled3,
        VariantKind::Downscaled2,
        VariantKind::RqrrGrey,
        VariantKind::RqrrOtsu,
        VariantKind::RqrrOtsuInverted,
        VariantKind::RqrrUpscaled2,
        VariantKind::Sharpened2,
        VariantKind::Sharpened3,
        VariantKind::Sharpened5,
        VariantKind::Upscaled2Sharpened,
        VariantKind::Deblurred,
        VariantKind::Upscaled3Lanczos,
    ];

    /// The variants the scanner runs, in order (see `docs/scanner.md` for the measurements):
    /// the two base passes, then the variants that read images the base passes missed on the
    /// development corpus, in the order of images read per millisecond.
    pub const DEFAULT: &'static [VariantKind] = &[
        VariantKind::Grey,
        VariantKind::Inverted,
        VariantKind::Otsu,
        VariantKind::OtsuInverted,
        VariantKind::Sharpened5,
        VariantKind::Deblurred,
        VariantKind::Box3,
        VariantKind::Upscaled2Sharpened,
        VariantKind::Upscaled3Lanczos,
    ];

    /// How many leading entries of a plan always run.
    pub const ALWAYS: usize = 2;

    pub fn name(self) -> &'static str {
        match self {
            VariantKind::Grey => "grey",
            VariantKind::Inverted => "inverted",
            VariantKind::Stretched => "stretched",
            VariantKind::StretchedInverted => "stretched-inverted",
            VariantKind::Upscaled2 => "up2",
            VariantKind::Upscaled2Inverted => "up2-inverted",
            VariantKind::Upscaled3 => "up3",
            VariantKind::Box3 => "box3",
            VariantKind::Median3 => "median3",
            VariantKind::Otsu => "otsu",
            VariantKind::OtsuInverted => "otsu-inverted",
            VariantKind::Adaptive => "adaptive",
            VariantKind::AdaptiveInverted => "adaptive-inverted",
            VariantKind::Downscaled2 => "down2",
            VariantKind::RqrrGrey => "rqrr-grey",
            VariantKind::RqrrOtsu => "rqrr-otsu",
            VariantKind::RqrrOtsuInverted => "rqrr-otsu-inverted",
            VariantKind::RqrrUpscaled2 => "rqrr-up2",
            VariantKind::Sharpened2 => "sharp2",
            VariantKind::Sharpened3 => "sharp3",
            VariantKind::Sharpened5 => "sharp5",
            VariantKind::Upscaled2Sharpened => "up2-sharp",
            VariantKind::Deblurred => "deblur",
            VariantKind::Upscaled3Lanczos => "up3-lanczos",
        }
    }

    /// Whether this variant works on an upscaled image.
    pub fn upscales(self) -> bool {
        matches!(
            self,
            VariantKind::Upscaled2
                | VariantKind::Upscaled2Inverted
                | VariantKind::Upscaled3
                | VariantKind::Upscaled2Sharpened
                | VariantKind::Upscaled3Lanczos
                | VariantKind::RqrrUpscaled2
        )
    }

    /// Whether this variant filters the image (noise filters, sharpening, deblurring).
    pub fn filters(self) -> bool {
        matches!(
            self,
            VariantKind::Box3
                | VariantKind::Median3
                | VariantKind::Sharpened2
                | VariantKind::Sharpened3
                | VariantKind::Sharpened5
                | VariantKind::Deblurred
                | VariantKind::Upscaled2Sharpened
        )
    }

    /// The late passes: filters and upscaling, which on pages and screens only run on crops
    /// around the finder-pattern triples that did not decode.
    pub fn is_late(self) -> bool {
        self.filters() || self.upscales()
    }

    pub fn decoder(self) -> Decoder {
        match self {
            VariantKind::RqrrGrey
            | VariantKind::RqrrOtsu
            | VariantKind::RqrrOtsuInverted
            | VariantKind::RqrrUpscaled2 => Decoder::Rqrr,
            _ => Decoder::Rxing,
        }
    }
}

/// One QR code found in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// The payload as stored in the symbol's data segments (see the crate docs).
    pub bytes: Vec<u8>,
    /// The payload as text when the bytes are valid UTF-8.
    pub text: Option<String>,
    pub kind: PayloadKind,
    /// Corners in the original image's pixel coordinates (decoder order).
    pub corners: [(f32, f32); 4],
    pub decoder: Decoder,
    /// The variant that read it first.
    pub variant: VariantKind,
}

impl Code {
    fn new(bytes: Vec<u8>, corners: [(f32, f32); 4], variant: VariantKind) -> Code {
        let text = String::from_utf8(bytes.clone()).ok();
        Code {
            kind: PayloadKind::of(&bytes),
            text,
            bytes,
            corners,
            decoder: variant.decoder(),
            variant,
        }
    }

    /// The payload as text: the UTF-8 text, or each byte as its ISO-8859-1 character when the
    /// bytes are not UTF-8.
    pub fn text_lossless(&self) -> String {
        match &self.text {
            Some(t) => t.clone(),
            None => self.bytes.iter().map(|&b| b as char).collect(),
        }
    }

    fn centre(&self) -> (f32, f32) {
        let (sx, sy) = self
            .corners
            .iter()
            .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x, b + y));
        (sx / 4.0, sy / 4.0)
    }

    fn extent(&self) -> f32 {
        let xs = self.corners.iter().map(|c| c.0);
        let ys = self.corners.iter().map(|c| c.1);
        let (x0, x1) = xs.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let (y0, y1) = ys.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
        (x1 - x0).max(y1 - y0).max(1.0)
    }

    fn y_range(&self) -> (f32, f32) {
        let ys = self.corners.iter().map(|c| c.1);
        ys.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)))
    }

    /// Whether `p` lies inside this code's quadrilateral, grown by a margin.
    fn covers(&self, p: (f32, f32)) -> bool {
        let (cx, cy) = self.centre();
        let r = self.extent() * 0.6 + 4.0;
        (p.0 - cx).abs() <= r && (p.1 - cy).abs() <= r
    }
}

/// What one variant did.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub variant: VariantKind,
    pub elapsed: Duration,
    /// Every payload this variant decoded (also those other variants had already found).
    pub decoded: Vec<Vec<u8>>,
    /// How many of those were new.
    pub new: usize,
    /// Unexplained finder-pattern triples after this step.
    pub pending: usize,
}

/// The codes found and how.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub codes: Vec<Code>,
    pub steps: Vec<StepReport>,
    /// Whether the time budget stopped the pipeline before all useful variants ran.
    pub timed_out: bool,
    /// Load, convert and decode.
    pub total: Duration,
}

/// How to run the pipeline.
#[derive(Debug, Clone)]
pub struct Plan {
    pub variants: Vec<VariantKind>,
    /// Run every variant whatever was found (for measurement).
    pub exhaustive: bool,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            variants: VariantKind::DEFAULT.to_vec(),
            exhaustive: false,
        }
    }
}

pub(crate) fn scan(img: &LumaImage, limits: &Limits, start: Instant) -> ScanReport {
    scan_with(img, limits, start, &Plan::default())
}

/// Runs `plan` over `img`. `start` is when the time budget began.
pub fn scan_with(img: &LumaImage, limits: &Limits, start: Instant, plan: &Plan) -> ScanReport {
    let mut report = ScanReport::default();
    let mut pending: Sets = Vec::new();
    let mut cache = Cache::default();
    let mut proposed = false;
    // Pages and screens: the late passes only look around the unread triples.
    let crop_late = img.w() * img.h() > MAX_FULL_LATE_PIXELS;
    // Smaller pages: the upscales only look around the unread triples or the dense patches.
    let crop_upscales = img.w() * img.h() > MAX_BLIND_UPSCALE_PIXELS;
    for (i, &v) in plan.variants.iter().enumerate() {
        let always = i < VariantKind::ALWAYS;
        if !plan.exhaustive && !always {
            pending.retain(|set| !explained(&set.0, &report.codes));
            // A page where the base passes saw nothing at all: look for a code too small for
            // the finder-pattern scan (dense patches of one-pixel texture), once.
            if !proposed && report.codes.is_empty() && pending.is_empty() && v.is_late() {
                proposed = true;
                if img.w() * img.h() > MAX_BLIND_UPSCALE_PIXELS {
                    pending.extend(regions::dense_patches(img).into_iter().map(
                        |(x0, y0, x1, y1)| {
                            let (x0, y0, x1, y1) = (x0 as f32, y0 as f32, x1 as f32, y1 as f32);
                            ([(x0, y1), (x0, y0), (x1, y0)], 1.0)
                        },
                    ));
                }
            }
            if !report.codes.is_empty() && pending.is_empty() {
                break;
            }
            // Upscaling is for modules of 1-2 px: skip it when every unread triple has large
            // modules (a blurred or damaged code, not a small one).
            if v.upscales() && !pending.is_empty() && pending.iter().all(|p| p.1 >= LARGE_MODULE) {
                continue;
            }
            // Nor without any triple to look at on an image the size of a page.
            if v.upscales() && pending.is_empty() && img.w() * img.h() > MAX_BLIND_UPSCALE_PIXELS {
                continue;
            }
            if start.elapsed() > limits.time_budget {
                report.timed_out = true;
                break;
            }
        }
        let t0 = Instant::now();
        // More unread triples than crops are worth (a photo, a busy page): below 1 Mpx the
        // upscale looks at the whole image once instead.
        let many = pending.len() > MAX_CROPS && !crop_late;
        let res = if (crop_late && v.is_late()) || (crop_upscales && v.upscales() && !many) {
            if pending.is_empty() {
                continue;
            }
            Some(run_on_crops(img, v, &pending))
        } else {
            run_variant(img, v, &mut cache)
        };
        let Some((found, sets)) = res else {
            continue;
        };
        let mut new = 0;
        let mut decoded = Vec::new();
        for (bytes, corners) in found {
            decoded.push(bytes.clone());
            if !report.codes.iter().any(|c| c.bytes == bytes) {
                report.codes.push(Code::new(bytes, corners, v));
                new += 1;
            }
        }
        for set in sets {
            if !explained(&set.0, &report.codes) && !pending.iter().any(|p| same_set(&p.0, &set.0))
            {
                pending.push(set);
            }
        }
        pending.retain(|set| !explained(&set.0, &report.codes));
        report.steps.push(StepReport {
            variant: v,
            elapsed: t0.elapsed(),
            decoded,
            new,
            pending: pending.len(),
        });
    }
    reading_order(&mut report.codes);
    report
}

fn explained(set: &[(f32, f32); 3], codes: &[Code]) -> bool {
    set.iter()
        .filter(|p| codes.iter().any(|c| c.covers(**p)))
        .count()
        >= 2
}

fn same_set(a: &[(f32, f32); 3], b: &[(f32, f32); 3]) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(p, q)| (p.0 - q.0).abs() < 3.0 && (p.1 - q.1).abs() < 3.0)
}

/// Sorts into rows (two codes share a row when their vertical extents overlap by at least half
/// the smaller one's height), rows top to bottom, left to right within a row.
fn reading_order(codes: &mut [Code]) {
    codes.sort_by(|a, b| a.y_range().0.total_cmp(&b.y_range().0));
    let mut rows: Vec<Vec<Code>> = Vec::new();
    for c in codes.iter() {
        let (c0, c1) = c.y_range();
        let same_row = |r: &Code| {
            let (r0, r1) = r.y_range();
            let overlap = c1.min(r1) - c0.max(r0);
            overlap >= 0.5 * (c1 - c0).min(r1 - r0)
        };
        match rows.last_mut() {
            Some(row) if row.iter().any(same_row) => row.push(c.clone()),
            _ => rows.push(vec![c.clone()]),
        }
    }
    let mut i = 0;
    for mut row in rows {
        row.sort_by(|a, b| a.centre().0.total_cmp(&b.centre().0));
        for c in row {
            codes[i] = c;
            i += 1;
        }
    }
}

type Found = (Vec<u8>, [(f32, f32); 4]);
/// Finder-pattern triples that did not decode: centres, and module size in pixels.
type Sets = Vec<([(f32, f32); 3], f32)>;

/// Module size (px, original image) from which a code is not "small".
const LARGE_MODULE: f32 = 3.5;

#[derive(Default)]
struct Cache {
    /// The binarised grey, up2 and otsu images, kept for their inverted passes (a flip).
    grey_bits: Option<BitMatrix>,
    up2_bits: Option<BitMatrix>,
    otsu_bits: Option<BitMatrix>,
    stretched: Option<Option<LumaImage>>,
    up2: Option<Option<LumaImage>>,
    otsu: Option<LumaImage>,
}

/// Largest image (in pixels) that is upscaled whole when no finder triple was seen.
const MAX_BLIND_UPSCALE_PIXELS: usize = 1 << 18;

/// Largest image (in pixels) on which the late passes run on the whole image; on larger ones
/// (pages, screens) they run on crops around the unread finder-pattern triples.
const MAX_FULL_LATE_PIXELS: usize = 1 << 20;
