//! Running one variant: on the whole image (with the binarised and upscaled images kept for
//! the passes that reuse them) or on crops around the unread finder triples.

use super::passes::*;
use super::*;

/// At most this many crops per pass: a photo or a busy page can show dozens of spurious
/// triples, and each crop of an upscaling pass costs milliseconds.
pub(super) const MAX_CROPS: usize = 6;

/// Runs `v` on a crop around each pending triple (a triple inside an earlier crop is covered by
/// it; at most [`MAX_CROPS`], and no more pixels in all than the image has); positions come back
/// in `img`'s coordinates.
pub(super) fn run_on_crops(img: &LumaImage, v: VariantKind, pending: &Sets) -> (Vec<Found>, Sets) {
    let (mut found, mut sets) = (Vec::new(), Vec::new());
    let mut done: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut area = 0;
    for (pts, module) in pending {
        let inside = |&(x0, y0, x1, y1): &(usize, usize, usize, usize)| {
            pts.iter()
                .all(|&(x, y)| x >= x0 as f32 && x < x1 as f32 && y >= y0 as f32 && y < y1 as f32)
        };
        if done.iter().any(inside) {
            continue;
        }
        if done.len() >= MAX_CROPS || area >= img.pixels.len() {
            break;
        }
        let (x0, y0, crop) = crop_around(img, pts, *module);
        done.push((x0, y0, x0 + crop.w(), y0 + crop.h()));
        area += crop.pixels.len();
        let Some((f, s)) = run_variant(&crop, v, &mut Cache::default()) else {
            continue;
        };
        let shift = |(x, y): (f32, f32)| (x + x0 as f32, y + y0 as f32);
        found.extend(f.into_iter().map(|(b, c)| (b, c.map(shift))));
        sets.extend(s.into_iter().map(|(p, m)| (p.map(shift), m)));
    }
    (found, sets)
}

/// The part of `img` that holds the code a finder triple belongs to, whatever its rotation:
/// the triple's bounding box grown by 60 % of its side plus 10 modules. Returns its origin.
fn crop_around(img: &LumaImage, pts: &[(f32, f32); 3], module: f32) -> (usize, usize, LumaImage) {
    let (w, h) = (img.w(), img.h());
    let xs = pts.iter().map(|p| p.0);
    let ys = pts.iter().map(|p| p.1);
    let (x0, x1) = xs.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = ys.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let grow = (x1 - x0).max(y1 - y0) * 0.6 + module.max(1.0) * 10.0 + 8.0;
    let clampx = |v: f32| (v.max(0.0) as usize).min(w);
    let clampy = |v: f32| (v.max(0.0) as usize).min(h);
    let (cx0, cx1) = (clampx(x0 - grow), clampx(x1 + grow));
    let (cy0, cy1) = (clampy(y0 - grow), clampy(y1 + grow));
    let (cw, ch) = (
        (cx1 - cx0).max(1).min(w - cx0.min(w - 1)),
        (cy1 - cy0).max(1).min(h - cy0.min(h - 1)),
    );
    let (cx0, cy0) = (cx0.min(w - cw), cy0.min(h - ch));
    let mut px = Vec::with_capacity(cw * ch);
    for y in cy0..cy0 + ch {
        px.extend_from_slice(&img.pixels[y * w + cx0..y * w + cx0 + cw]);
    }
    let crop = LumaImage {
        width: cw as u32,
        height: ch as u32,
        pixels: px,
    };
    (cx0, cy0, crop)
}

/// Largest image (in pixels) upscaled ×3 with Lanczos (a crop, or a code alone in a small
/// image: a page's code is upscaled from a crop around its finder triple).
const MAX_LANCZOS_PIXELS: usize = MAX_BLIND_UPSCALE_PIXELS;

/// Largest image (in pixels, after scaling) the upscaling variants produce.
const MAX_UPSCALED_PIXELS: usize = 12 << 20;

/// Largest image (in pixels) the filtering variants (noise filters, sharpening, deblurring) run
/// on. Bigger images are screens and pages: crisp, and each filter pass would cost tens of
/// milliseconds (a 4K screen without a code stays within 150 ms this way).
const MAX_FILTERED_PIXELS: usize = 4 << 20;

pub(super) fn run_variant(
    img: &LumaImage,
    v: VariantKind,
    cache: &mut Cache,
) -> Option<(Vec<Found>, Sets)> {
    let n = img.w() * img.h();
    let up2 = |cache: &mut Cache| -> Option<LumaImage> {
        cache
            .up2
            .get_or_insert_with(|| (n * 4 <= MAX_UPSCALED_PIXELS).then(|| pp::upscale(img, 2)))
            .clone()
    };
    let stretched = |cache: &mut Cache| -> Option<LumaImage> {
        cache
            .stretched
            .get_or_insert_with(|| pp::stretch(img))
            .clone()
    };
    let otsu = |cache: &mut Cache| -> LumaImage {
        cache
            .otsu
            .get_or_insert_with(|| pp::threshold(img, pp::otsu_level(&img.pixels)))
            .clone()
    };
    if v.filters() && n > MAX_FILTERED_PIXELS {
        return None;
    }
    let res = match v {
        VariantKind::Grey => rxing_pass_keep(img, 1.0, &mut cache.grey_bits),
        VariantKind::Inverted => rxing_flipped(img, 1.0, &cache.grey_bits),
        VariantKind::Stretched => rxing_pass(&stretched(cache)?, 1.0),
        VariantKind::StretchedInverted => rxing_pass(&pp::invert(&stretched(cache)?), 1.0),
        VariantKind::Upscaled2 => {
            let up = up2(cache)?;
            rxing_pass_keep(&up, 0.5, &mut cache.up2_bits)
        }
        VariantKind::Upscaled2Inverted => {
            let up = up2(cache)?;
            rxing_flipped(&up, 0.5, &cache.up2_bits)
        }
        VariantKind::Upscaled3 => {
            if n * 9 > MAX_UPSCALED_PIXELS {
                return None;
            }
            rxing_pass(&pp::upscale(img, 3), 1.0 / 3.0)
        }
        VariantKind::Box3 => rxing_pass(&pp::box3(img), 1.0),
        VariantKind::Median3 => rxing_pass(&pp::median3(img), 1.0),
        // A global threshold is for low contrast: only where the grey levels span a narrow
        // range (the same test as the stretch's).
        VariantKind::Otsu if stretched(cache).is_none() => return None,
        VariantKind::OtsuInverted if stretched(cache).is_none() => return None,
        VariantKind::Otsu => {
            let o = otsu(cache);
            rxing_pass_keep(&o, 1.0, &mut cache.otsu_bits)
        }
        VariantKind::OtsuInverted => {
            let o = otsu(cache);
            rxing_flipped(&o, 1.0, &cache.otsu_bits)
        }
        VariantKind::Adaptive => rxing_pass(&adaptive(img), 1.0),
        VariantKind::AdaptiveInverted => rxing_pass(&pp::invert(&adaptive(img)), 1.0),
        VariantKind::Downscaled2 => {
            if img.w() < 400 || img.h() < 400 {
                return None;
            }
            rxing_pass(&pp::downscale(img, 2), 2.0)
        }
        VariantKind::Sharpened2 => rxing_pass(&pp::unsharp(img, 2, 2.0), 1.0),
        VariantKind::Sharpened3 => rxing_pass(&pp::unsharp(img, 3, 2.0), 1.0),
        VariantKind::Sharpened5 => rxing_pass(&pp::unsharp(img, 5, 3.0), 1.0),
        VariantKind::Upscaled2Sharpened => rxing_pass(&pp::unsharp(&up2(cache)?, 3, 2.0), 0.5),
        VariantKind::Deblurred => rxing_pass(&pp::deblur(img, 4, 3.0, 3), 1.0),
        VariantKind::Upscaled3Lanczos => {
            if n > MAX_LANCZOS_PIXELS {
                return None;
            }
            let up = crate::resample::upscale_lanczos(img, 3);
            rxing_pass(&pp::unsharp(&up, 2, 1.5), 1.0 / 3.0)
        }
        VariantKind::RqrrGrey => (rqrr_pass(img, false, 1.0), Vec::new()),
        VariantKind::RqrrOtsu => (rqrr_pass(&otsu(cache), true, 1.0), Vec::new()),
        VariantKind::RqrrOtsuInverted => {
            (rqrr_pass(&pp::invert(&otsu(cache)), true, 1.0), Vec::new())
        }
        VariantKind::RqrrUpscaled2 => {
            let up = up2(cache)?;
            let bin = pp::threshold(&up, pp::otsu_level(&up.pixels));
            (rqrr_pass(&bin, true, 0.5), Vec::new())
        }
    };
    Some(res)
}
